"""`make load`: `python -m tools.chat_load --serve N ...` or `--url ws://127.0.0.1:PORT/ws/chat/ ...` (see tools.load)."""
from __future__ import annotations

import argparse
import json
import sys

from tools.django_setup import django_start


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.chat_load",
        description="Load the chat socket of a server on loopback: many connections, routine questions, "
                    "each reply timed, every message checked in the database afterwards.")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = arguments()
    options = parser.parse_args(argv)
    if not (options.serve or options.url):
        parser.error("give --url of a running server, or --serve N")
    django_start()
    from django.conf import settings

    from tools.load import servers_started

    if not options.serve:
        return _load(parser, options, urls=options.url, pids=options.server_pid)
    log_dir = str(settings.DATA_DIR)
    with servers_started(daphnes=options.serve, worker=bool(settings.REDIS_URL), log_dir=log_dir) as (urls, pids):
        print(f"started {len(pids)} server processes; logs in {log_dir}")
        return _load(parser, options, urls=urls, pids=options.server_pid + pids)


def _load(parser: argparse.ArgumentParser, options: argparse.Namespace, *, urls: list[str], pids: list[int]) -> int:
    from tools.load import LoadPlan, load_run

    origin = urls[0].replace("ws://", "http://", 1).replace("wss://", "https://", 1).split("/ws/")[0]
    plan = LoadPlan(urls=urls, connections=options.connections, rate=options.rate, duration_s=options.duration,
                    idle_connections=options.idle, connect_rate=options.connect_rate, origin=origin,
                    server_pids=pids)
    try:
        plan.check()
    except ValueError as exc:
        parser.error(str(exc))
    report = load_run(plan, remove=not options.keep)
    summary = report.summary()
    print(json.dumps(summary, indent=2))
    if options.json_path:
        with open(options.json_path, "w") as f:
            json.dump(summary, f, indent=2)
    failures = report.failures(p95_target_ms=options.p95_target_ms)
    for failure in failures:
        print(f"MISSED: {failure}", file=sys.stderr)
    if failures:
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
