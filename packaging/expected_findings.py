"""Checks an installed greyhaven-lsp against examples/README.md: runs
``CMD... check examples/ --format json`` from the repository root and compares
(file, line, rule, severity) with the README's "Expected findings" tables, the
promise tests/examples.rs also holds the cargo-built binary to. Exit 0 when they
match and the check exited 1; prints what differs otherwise.

    python3 packaging/expected_findings.py REPO CMD [ARG...]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def expected(readme: Path) -> list[tuple[str, int, str, str]]:
    out = []
    app = ""
    in_table = False
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            app, in_table = line[3:].strip(), False
            continue
        if line.startswith("Expected findings"):
            in_table = True
            continue
        if not in_table or not line.startswith("| `"):
            if in_table and not line.startswith("|") and line.strip():
                in_table = False
            continue
        cells = [c.strip() for c in line.split("|")]
        # | file | line | anchor | rule | severity | why |
        out.append((f"examples/{app}/{cells[1].strip('`')}", int(cells[2]), cells[4].strip("`"), cells[5]))
    return sorted(out)


def main() -> int:
    repo, cmd = Path(sys.argv[1]), sys.argv[2:]
    want = expected(repo / "examples" / "README.md")
    run = subprocess.run([*cmd, "check", "examples/", "--format", "json"], cwd=repo, capture_output=True, text=True)
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(f"not JSON (exit {run.returncode}): {run.stdout[:500]}{run.stderr[:500]}")
        return 1
    got = sorted(
        (d["path"].replace("\\", "/"), d["start"]["line"], d["rule"], d["severity"]) for d in report["diagnostics"]
    )
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    ok = run.returncode == 1 and len(want) > 10 and not missing and not extra
    print(f"{' '.join(cmd)} check examples/: exit {run.returncode}, {len(got)} findings, {len(want)} expected")
    for k in missing:
        print(f"  missing: {k}")
    for k in extra:
        print(f"  extra:   {k}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
