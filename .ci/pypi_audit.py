"""Fallback audit when pip-audit reaches no vulnerability service: PyPI's project pages.

PyPI's JSON page of a project (`/pypi/<name>/json`) lists the known vulnerabilities
(from OSV) of its newest release. Where only that page can be reached, a pin that *is*
the newest release is audited from it; a pin behind the newest release cannot be, and
is reported as not audited rather than passed. Exit status 1 on any vulnerability found.
"""
from __future__ import annotations

import json
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INDEX = "https://pypi.org/pypi/{name}/json"


def pins(requirements: Path) -> list[tuple[str, str]]:
    found = []
    for line in requirements.read_text().splitlines():
        line = line.split("#")[0].split(";")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            found.append((name.strip(), version.strip()))
    return found


def project(name: str) -> dict | None:
    try:
        with urllib.request.urlopen(INDEX.format(name=name), timeout=15) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def main() -> int:
    pinned = pins(Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt"))
    with ThreadPoolExecutor(max_workers=16) as pool:
        pages = list(pool.map(project, [name for name, _ in pinned]))
    audited, behind, unreachable, vulnerable = [], [], [], []
    for (name, version), page in zip(pinned, pages):
        if page is None:
            unreachable.append(name)
            continue
        newest = page["info"]["version"]
        if newest != version:
            behind.append(f"{name} {version} (newest {newest})")
            continue
        audited.append(name)
        for vuln in page.get("vulnerabilities") or []:
            if not vuln.get("withdrawn"):
                fixed = ", ".join(vuln.get("fixed_in") or []) or "no release"
                vulnerable.append(f"{name} {version}: {vuln['id']} (fixed in {fixed})")
    for line in vulnerable:
        print(f"VULNERABLE: {line}")
    print(f"PyPI audit: {len(pinned)} pins; {len(audited)} audited (pinned at the newest release), "
          f"{len(vulnerable)} vulnerabilities; {len(behind)} not audited (behind the newest release, whose "
          f"page says nothing of older ones); {len(unreachable)} unreachable")
    if behind:
        print("  not audited: " + "; ".join(behind))
    if not audited:
        print("AUDIT NOT RUN: PyPI's project pages could not be read either")
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
