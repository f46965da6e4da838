#!/usr/bin/env python3
"""Run the keystroke benchmark (`benches/keystroke.rs`, in-process through
`State::change` inside generated workspaces) and print its figures beside the
targets of issue 10: keystroke -> publish payload median <= 1 ms, p99 <= 3 ms,
for a 5,000-line Drizzle schema (>= 500 findings, 40 other schema files, 300
SQL migrations) and a 2,000-line SQLModel file (40 other model files, an
Alembic history). Figures come from one run.

    python3 bench/keystroke.py          # cargo bench --bench keystroke -- --quick-stats
    python3 bench/keystroke.py --full   # also the criterion runs
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEDIAN_MS, P99_MS = 1.0, 3.0
UNITS = {"ns": 1e-6, "µs": 1e-3, "us": 1e-3, "ms": 1.0, "s": 1e3}
LINE = re.compile(
    r"^(?P<name>\S+)\s+(?P<lines>\d+) lines, (?P<findings>\d+) findings, (?P<files>\d+) files: "
    r"keystroke median (?P<med>[\d.]+)(?P<mu>\D+?) p99 (?P<p99>[\d.]+)(?P<pu>\D+?) \| "
    r"tree-sitter reparse median (?P<tmed>[\d.]+)(?P<tmu>\D+?) p99.*full re-check (?P<full>[\d.]+)(?P<fu>\D+)$"
)


def ms(value: str, unit: str) -> float:
    return float(value) * UNITS[unit.strip()]


def main() -> int:
    args = ["cargo", "bench", "--bench", "keystroke"]
    if "--full" not in sys.argv[1:]:
        args += ["--", "--quick-stats"]
    out = subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    print(out.rstrip())
    print()
    print(f"{'case':<16} {'findings':>8} {'median':>10} {'p99':>10} {'full':>10} {'speed-up':>9}  target")
    ok = True
    for line in out.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        med, p99 = ms(m["med"], m["mu"]), ms(m["p99"], m["pu"])
        full = ms(m["full"], m["fu"])
        good = med <= MEDIAN_MS and p99 <= P99_MS
        ok &= good
        print(
            f"{m['name']:<16} {m['findings']:>8} {med:>8.3f}ms {p99:>8.3f}ms {full:>8.1f}ms {full / med:>8.1f}x"
            f"  median <= {MEDIAN_MS} ms, p99 <= {P99_MS} ms: {'ok' if good else 'OVER'}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
