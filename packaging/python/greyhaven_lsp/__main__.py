"""``python -m greyhaven_lsp ARGS``: runs the installed binary with ARGS and exits
with its exit code."""

from __future__ import annotations

import os
import subprocess
import sys

from greyhaven_lsp import find_greyhaven_lsp_bin


def main() -> int:
    binary = find_greyhaven_lsp_bin()
    if os.name == "nt":
        return subprocess.call([binary, *sys.argv[1:]])
    os.execv(binary, [binary, *sys.argv[1:]])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main())
