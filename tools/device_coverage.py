"""`python -m tools.device_coverage FILE...`: what the device assistant answers, per language, with no browser.

For the rows of labelled CSV files (`text`, and where present `lang`, `intent`, `expected_route`), per language:
the messages, those the device answers, of those the ones the server's router decides the same way (routed locally,
same intent, same language: the issue's parity), and where the rows are labelled, the device answers whose intent
is the label's on a row expected to be answered locally. Only counts are printed (no message), so it may read
`../shared/eval/` too. The held-out exemplars' figures per language come from the build's report.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from tools.django_setup import django_start


def coverage(paths: list[Path]) -> dict[str, Counter]:
    """{language: Counter(messages, answered, agreeing, labelled, right)}."""
    from rag.device.manifest import device_dir, device_manifest
    from rag.device.student import DeviceStudent
    from rag.evaluation import rows_read
    from rag.router.serving import router_get

    manifest = device_manifest()
    if manifest is None:
        raise SystemExit("no device assistant in this data dir: run `python manage.py train_router` first")
    student = DeviceStudent.from_json((device_dir() / manifest["model"]["file"]).read_text())
    router = router_get()
    counts: dict[str, Counter] = {}
    for path in paths:
        try:
            rows = rows_read(path)
        except ValueError:  # no 'text' column (a labelled set of another shape)
            continue
        for row in rows:
            decision = student.decide(row["text"])
            server = router.decide(row["text"]) if decision is not None or "lang" not in row else None
            language = row.get("lang") or (server.language if server else "?")
            count = counts.setdefault(language, Counter())
            count["messages"] += 1
            if decision is None:
                continue
            count["answered"] += 1
            count["agreeing"] += (server.route, server.intent, server.language) == (
                "local", decision.intent, decision.language)
            if row.get("intent") and row.get("expected_route"):
                count["labelled"] += 1
                count["right"] += "local" in row["expected_route"].split("|") and row["intent"] == decision.intent
    return counts


def coverage_report(counts: dict[str, Counter]) -> str:
    lines = ["language  messages  answered  agreeing with the server  right by the label"]
    total: Counter = Counter()
    for language in sorted(counts):
        total.update(counts[language])
        lines.append(_line(language, counts[language]))
    lines.append(_line("all", total))
    return "\n".join(lines)


def _line(name: str, count: Counter) -> str:
    answered = count["answered"]
    right = f"{count['right']}/{count['labelled']}" if count["labelled"] else "-"
    return (f"{name:<9} {count['messages']:>8} {answered:>9} ({answered / max(1, count['messages']):.1%})"
            f"  {count['agreeing']:>6} ({count['agreeing'] / max(1, answered):.1%})  {right:>16}")


def held_out_report() -> str:
    from rag.device.manifest import device_manifest

    report = (device_manifest() or {}).get("report", {})
    per_language = report.get("held_out_per_language", {})
    lines = [f"held-out exemplars: {report.get('held_out_answered')} answered of {report.get('in_scope')} in scope, "
             f"agreement {report.get('held_out_agreement')}, threshold {report.get('threshold')}"]
    for language, (answered, in_scope, agreeing) in sorted(per_language.items()):
        lines.append(f"  {language}: {answered} answered of {in_scope} in scope, {agreeing} agreeing")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.device_coverage", description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    django_start()
    print(held_out_report())
    if args.files:
        print(coverage_report(coverage(args.files)))


if __name__ == "__main__":
    main()
