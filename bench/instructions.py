#!/usr/bin/env python3
"""Instructions a keystroke costs, counted by valgrind's callgrind: a figure
the load of a shared machine does not move, for comparing two builds when
wall-clock medians drift from run to run (`bench/keystroke.py` gives the
times). Each binary is a build of `benches/keystroke.rs` (`cargo bench --bench
keystroke --no-run` prints its path); instructions are collected only inside
`State::change` (the server's keystroke path: rope edit, reparse, extraction,
check, payload) over the bench's `--quick-stats` loop, which types the same
keystrokes in every build. Prints the total per case and, with two binaries,
their ratio.

    python3 bench/instructions.py OLD_BIN [NEW_BIN] [--case drizzle|sqlmodel]

Needs valgrind (Debian `valgrind`); a case takes a few minutes under it.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

COLLECTED = re.compile(r"Collected\s*:\s*([\d,]+)")


def count(binary: str, case: str) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, GREYHAVEN_KEYSTROKE_CASE=case)
        run = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=greyhaven_lsp::lsp::state::State::change",
                f"--callgrind-out-file={out}",
                binary,
                "--bench",
                "--quick-stats",
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            sys.exit(f"{binary} ({case}) failed under valgrind:\n{run.stderr[-2000:]}")
        # The bench's own process is the one that collected the most (the
        # corpus generator may start others).
        found = [int(m.replace(",", "")) for m in COLLECTED.findall(run.stderr)]
        if not found:
            sys.exit(f"no instruction count in valgrind's output for {binary}")
        return max(found)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("binaries", nargs="+", help="one or two keystroke bench binaries")
    p.add_argument("--case", action="append", choices=["drizzle", "sqlmodel"])
    args = p.parse_args()
    if len(args.binaries) > 2:
        p.error("one or two binaries")
    cases = args.case or ["drizzle", "sqlmodel"]
    for case in cases:
        counts = [count(b, case) for b in args.binaries]
        line = f"{case:<10}" + "".join(f" {c / 1e6:10.1f} M" for c in counts)
        if len(counts) == 2:
            line += f"   new/old {counts[1] / counts[0]:.3f} ({(counts[1] / counts[0] - 1) * 100:+.1f} %)"
        print(line, flush=True)


if __name__ == "__main__":
    main()
