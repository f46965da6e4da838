#!/usr/bin/env python3
"""Summarise the `engine` criterion benchmarks: absolute medians, the ratio
extract+lint / parse-only for each input (target: at most 1.5x), the whole
report-only `greyhaven-lsp check --format json` (the release binary, in a
process of its own) on the 1,000-file project / parse-only of the same files
(issue 10's target: at most 1.5x; the same command run inside the
benchmark's process, which frees what it built, is printed beside it), and
the 1,000-file check (engine alone, and the whole CLI command) against the
1 s target.

    python3 bench/ratios.py          # read the last results
    python3 bench/ratios.py --run    # run `cargo bench --bench engine` first

Criterion writes <dir>/<group>/<bench>/new/estimates.json, where <dir> is
$CRITERION_HOME, else $CARGO_TARGET_DIR/criterion, else cargo's target
directory + /criterion (the same order criterion itself uses).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ["schema_5k_lines", "project_1000_files"]
RATIO_TARGET = 1.5
PROJECT_TARGET_NS = 1e9


def criterion_dir() -> Path:
    if os.environ.get("CRITERION_HOME"):
        return Path(os.environ["CRITERION_HOME"])
    if os.environ.get("CARGO_TARGET_DIR"):
        return Path(os.environ["CARGO_TARGET_DIR"]) / "criterion"
    try:
        meta = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )
        return Path(json.loads(meta.stdout)["target_directory"]) / "criterion"
    except (OSError, subprocess.CalledProcessError, ValueError, KeyError):
        return ROOT / "target" / "criterion"


def median_ns(base: Path, group: str, bench: str):
    path = base / group / bench / "new" / "estimates.json"
    try:
        with open(path) as f:
            est = json.load(f)
        return float(est["median"]["point_estimate"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fmt(ns) -> str:
    if ns is None:
        return "-"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main() -> int:
    if "--run" in sys.argv[1:]:
        subprocess.run(["cargo", "bench", "--bench", "engine"], cwd=ROOT, check=True)
    base = criterion_dir()
    rows = []
    missing = False
    for bench in BENCHES:
        parse = median_ns(base, "parse_only", bench)
        full = median_ns(base, "extract_lint", bench)
        missing |= parse is None or full is None
        ratio = full / parse if parse and full is not None else None
        rows.append((bench, parse, full, ratio))

    print(f"criterion results: {base}")
    print(f"{'input':<20} {'parse only':>12} {'extract+lint':>13} {'ratio':>7}  target")
    for bench, parse, full, ratio in rows:
        r = f"{ratio:.2f}x" if ratio is not None else "-"
        verdict = "" if ratio is None else ("ok" if ratio <= RATIO_TARGET else "OVER")
        print(f"{bench:<20} {fmt(parse):>12} {fmt(full):>13} {r:>7}  <= {RATIO_TARGET}x {verdict}")

    project = next(full for bench, _, full, _ in rows if bench == "project_1000_files")
    cli = median_ns(base, "check_cli", "project_1000_files")
    binary = median_ns(base, "check_cli", "binary_1000_files")
    missing |= cli is None or binary is None
    for label, ns in (("extract+lint", project),
                      ("whole `check --format json`, in this process", cli),
                      ("`greyhaven-lsp check --format json`, the binary", binary)):
        if ns is not None:
            verdict = "ok" if ns < PROJECT_TARGET_NS else "OVER"
            print(f"1,000 files, {label}: {fmt(ns)} (target < 1 s) {verdict}")
    parse_project = next(p for bench, p, _, _ in rows if bench == "project_1000_files")
    if cli is not None and parse_project:
        # In this process the command's run frees everything it built; the
        # binary leaves that to the system at exit (run_then_exit).
        print(f"1,000 files, check run in this process (frees its memory) / read+parse: "
              f"{cli / parse_project:.2f}x")
    if binary is not None and parse_project:
        ratio = binary / parse_project
        verdict = "ok" if ratio <= RATIO_TARGET else "OVER"
        print(f"1,000 files, `check` (report-only, the binary) / read+parse: {ratio:.2f}x "
              f"(target <= {RATIO_TARGET}x) {verdict}")
    if missing:
        print("some results are missing: run `cargo bench --bench engine` (or pass --run)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
