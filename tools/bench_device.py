"""`make bench-device` (`python -m tools.bench_device`): the device assistant's cost in a real browser.

Starts the site (daphne, this data dir) and headless Chromium, and prints: what the browser
downloads (raw and gzipped: the JavaScript modules, the model, the passage bundles), how long
the assistant takes to load (first time over the network, then from the Cache API), a
decision's latency p50/p95 with and without the CPU throttled 4x (DevTools protocol), and the
share of messages the device answers itself (exemplars; with --eval, the rows of those CSV
files, of which only aggregate figures are printed).
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import tempfile
import urllib.request
from pathlib import Path

from tools.django_setup import django_start

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # as tests/browser.py starts it
MODULES = ("assistant.js", "student.js", "features.js", "elsewhere.js", "capability.js", "files.js")
LOAD = """async () => {
    const { deviceAssistantLoad } = await import("/static/chat/device/assistant.js");
    const { assistant, reason } = await deviceAssistantLoad({});
    window.deviceAssistant = assistant;
    return { reason, loadMs: assistant && assistant.loadMs };
}"""
TIMED = """(texts) => texts.map((text) => {
    const started = performance.now();
    window.deviceAssistant.answer(text, "en");
    return performance.now() - started;
})"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _sizes(manifest: dict) -> dict[str, tuple[int, int]]:
    from django.conf import settings

    sizes = {"model": (manifest["model"]["bytes"], manifest["model"]["gzip_bytes"])}
    for language, bundle in manifest["passages"].items():
        sizes[f"passages {language}"] = (bundle["bytes"], bundle["gzip_bytes"])
    for name in MODULES:
        raw = (Path(settings.BASE_DIR) / "static" / "chat" / "device" / name).read_bytes()
        sizes[name] = (len(raw), len(gzip.compress(raw, compresslevel=9)))
    return sizes


def _answered_share(texts: list[str], *, parity: bool = False) -> tuple[int, int, int]:
    """(answered on the device, messages, answered the same way by the server's router: counted with `parity`)."""
    from rag.device.distil import device_parity
    from rag.device.manifest import device_dir, device_manifest
    from rag.device.student import DeviceStudent

    student = DeviceStudent.from_json((device_dir() / device_manifest()["model"]["file"]).read_text())
    if parity:
        answered, agreeing = device_parity(texts, student)
        return answered, len(texts), agreeing
    return sum(student.decide(text) is not None for text in texts), len(texts), 0


def _refused_by_the_check(texts: list[str]) -> tuple[int, int]:
    """(device answers, of those the ones the server refuses because its help-answer check does not take the passage
    as an answer): the passage is the one the widget shows, its language's bundle's for the intent
    (static/chat/device/assistant.js; the page's language is taken to be the message's)."""
    from rag.device.manifest import device_dir, device_manifest
    from rag.device.passages import device_passage
    from rag.device.student import DeviceStudent
    from rag.documents import ENGLISH, HELP_LANGUAGES
    from support.services.device_answers import passage_answers

    manifest = device_manifest()
    student = DeviceStudent.from_json((device_dir() / manifest["model"]["file"]).read_text())
    bundles = {language: json.loads((device_dir() / p["file"]).read_text())
               for language, p in manifest["passages"].items()}
    answered = refused = 0
    for text in texts:
        decision = student.decide(text)
        language = decision and (decision.language if decision.language in HELP_LANGUAGES else ENGLISH)
        passage_id = decision and bundles.get(language, {}).get("intents", {}).get(decision.intent)
        if not passage_id:
            continue
        answered += 1
        refused += not passage_answers(text=text, language=decision.language,
                                       passage=device_passage(language, passage_id))
    return answered, refused


def _browser_figures(base: str, texts: list[str]) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base)
        page = context.new_page()
        page.goto("/")
        first = page.evaluate(LOAD)
        if first["reason"]:
            raise SystemExit(f"the device assistant did not load: {first['reason']}")
        cached = page.evaluate(LOAD)
        page.evaluate(TIMED, texts[:50])  # warm the JIT
        figures = {"load_ms_first": first["loadMs"], "load_ms_cached": cached["loadMs"]}
        cdp = context.new_cdp_session(page)
        for rate in (1, 4):
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
            timings = page.evaluate(TIMED, texts)
            figures[f"decision_ms_p50_x{rate}"] = _percentile(timings, 0.5)
            figures[f"decision_ms_p95_x{rate}"] = _percentile(timings, 0.95)
        browser.close()
    return figures


def bench_device(*, eval_paths: list[Path], messages: int = 500) -> None:
    from django.conf import settings

    from rag.device.manifest import device_manifest
    from rag.router.exemplars import exemplar_load
    from tools.processes import daphne_start, free_port, http_ok, stop_process, wait_until

    if device_manifest() is None:
        raise SystemExit("no device assistant in this data dir: run `python manage.py train_router` first")
    exemplars = [text for text, _ in exemplar_load(chat=True)]
    sample = exemplars[:: max(1, len(exemplars) // messages)][:messages]
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "shoppe.settings", "SHOPPE_DATA_DIR": str(settings.DATA_DIR)}
    with tempfile.TemporaryFile() as log:
        server = daphne_start(port=port, env=env, stdout=log)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: http_ok(base + "/healthz"), processes=[server], timeout=180, what="the site")
            with urllib.request.urlopen(base + "/assistant/device/manifest.json") as response:
                manifest = json.load(response)
            figures = _browser_figures(base, sample) if Path(CHROMIUM).exists() else {}
        finally:
            stop_process(server)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}")
    print(f"device assistant {manifest['version']}: {len(manifest['intents'])} intents, "
          f"languages {', '.join(manifest['languages'])}")
    sizes = _sizes(manifest)
    for name, (raw, packed) in sizes.items():
        print(f"  {name:<16} {raw:>10,} bytes   gzip {packed:>9,}")
    print(f"  {'total':<16} {sum(r for r, _ in sizes.values()):>10,} bytes   gzip "
          f"{sum(p for _, p in sizes.values()):>9,}")
    if not figures:
        print(f"load and decision times: not measured ({CHROMIUM} not found: apt-get install chromium)")
    else:
        print(f"load: first {figures['load_ms_first']:.0f} ms (network), then {figures['load_ms_cached']:.0f} ms "
              "(Cache API)")
    for rate in (1, 4) if figures else ():
        print(f"decision, CPU x{rate}: p50 {figures[f'decision_ms_p50_x{rate}']:.2f} ms, "
              f"p95 {figures[f'decision_ms_p95_x{rate}']:.2f} ms ({len(sample)} messages)")
    answered, total, _ = _answered_share(exemplars)
    print(f"answered on the device: {answered}/{total} exemplars ({answered / total:.1%}; the student saw them)")
    if eval_paths:
        from rag.device.distil import message_texts

        texts = message_texts(eval_paths)
        answered, total, agreeing = _answered_share(texts, parity=True)
        print(f"answered on the device: {answered}/{total} evaluation messages ({answered / max(1, total):.1%}), "
              f"the server's router deciding the same for {agreeing} ({agreeing / max(1, answered):.1%})")
        shown, refused = _refused_by_the_check(texts)
        print(f"of {shown} device answers with a passage, the server's help-answer check refuses {refused} "
              f"({refused / max(1, shown):.1%}): the server answers those")
    report = manifest_report()
    if report:
        print(f"held-out exemplars (training): {report['held_out_answered']} answered, agreement "
              f"{report['held_out_agreement']:.2%}, coverage of the device's intents {report['held_out_coverage']:.1%}, "
              f"passage agreement {report.get('passage_agreement', 0):.1%}")


def manifest_report() -> dict:
    from rag.device.manifest import device_manifest

    return (device_manifest() or {}).get("report", {})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_device", description=__doc__.splitlines()[0])
    parser.add_argument("--eval", nargs="*", type=Path, default=[], help="CSV files (a 'text' column) to count "
                        "the share answered on the device in (aggregate figures only)")
    parser.add_argument("--messages", type=int, default=500, help="exemplars timed in the browser")
    args = parser.parse_args(argv)
    django_start()
    bench_device(eval_paths=args.eval, messages=args.messages)


if __name__ == "__main__":
    main()
