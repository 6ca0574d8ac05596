from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from support.chat_load import LoadPlan, load_run, servers_started


class Command(BaseCommand):
    help = ("Load the chat socket of a running server on loopback: many connections, routine questions, "
            "each reply timed, every message checked in the database afterwards.")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--url", action="append", default=[],
                            help="ws://127.0.0.1:PORT/ws/chat/ of a running server (repeat for several)")
        parser.add_argument("--serve", type=int, default=0, metavar="N",
                            help="instead of --url: start N daphne processes with this environment (and a "
                                 "Celery worker when REDIS_URL is set), load them, stop them")
        parser.add_argument("--connections", type=int, default=500)
        parser.add_argument("--rate", type=float, default=100.0, help="messages per second, in all")
        parser.add_argument("--duration", type=float, default=60.0, help="seconds of steady sending")
        parser.add_argument("--idle", type=int, default=0, help="extra connections that only stay open")
        parser.add_argument("--connect-rate", type=float, default=100.0, help="new connections per second")
        parser.add_argument("--server-pid", type=int, action="append", default=[],
                            help="a server process to measure (with its children); repeatable")
        parser.add_argument("--p95-target-ms", type=float, default=150.0)
        parser.add_argument("--keep", action="store_true", help="keep the run's conversations in the database")
        parser.add_argument("--json", dest="json_path", help="also write the report here")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if options["serve"]:
            from django.conf import settings

            log_dir = str(settings.DATA_DIR)
            with servers_started(daphnes=options["serve"], worker=bool(settings.REDIS_URL), log_dir=log_dir) as (
                    urls, pids):
                self.stdout.write(f"started {len(pids)} server processes; logs in {log_dir}")
                self._load(dict(options, url=urls, server_pid=options["server_pid"] + pids))
        elif options["url"]:
            self._load(options)
        else:
            raise CommandError("give --url of a running server, or --serve N")

    def _load(self, options):  # type: ignore[no-untyped-def]
        first = options["url"][0]
        origin = first.replace("ws://", "http://", 1).replace("wss://", "https://", 1).split("/ws/")[0]
        plan = LoadPlan(urls=options["url"], connections=options["connections"], rate=options["rate"],
                        duration_s=options["duration"], idle_connections=options["idle"],
                        connect_rate=options["connect_rate"], origin=origin, server_pids=options["server_pid"])
        try:
            plan.check()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        report = load_run(plan, remove=not options["keep"])
        summary = report.summary()
        self.stdout.write(json.dumps(summary, indent=2))
        if options["json_path"]:
            with open(options["json_path"], "w") as f:
                json.dump(summary, f, indent=2)
        failures = report.failures(p95_target_ms=options["p95_target_ms"])
        for failure in failures:
            self.stderr.write(f"MISSED: {failure}")
        if failures:
            sys.exit(1)
        self.stdout.write("all targets met")
