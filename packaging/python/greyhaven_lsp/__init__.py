"""The greyhaven-lsp wheel: the binary is installed as a script next to the
interpreter (maturin ``bindings = "bin"``); this package only finds it, for
``python -m greyhaven_lsp`` and for tools that want its path."""

from __future__ import annotations

import os
import sys
import sysconfig

__all__ = ["find_greyhaven_lsp_bin"]


def find_greyhaven_lsp_bin() -> str:
    """Return the path of the installed ``greyhaven-lsp`` binary.

    Looks in the scripts directory of this interpreter's install scheme, then of
    the user scheme (``pip install --user``); raises ``FileNotFoundError`` naming
    the places tried.
    """
    exe = "greyhaven-lsp.exe" if os.name == "nt" else "greyhaven-lsp"
    schemes = [sysconfig.get_default_scheme()] if hasattr(sysconfig, "get_default_scheme") else []
    user = {"nt": "nt_user", "posix": "posix_user"}.get(os.name)
    if sys.platform == "darwin" and getattr(sys, "_framework", None):
        user = "osx_framework_user"
    if user is not None:
        schemes.append(user)
    tried = []
    for scheme in schemes:
        try:
            scripts = sysconfig.get_path("scripts", scheme)
        except KeyError:
            continue
        candidate = os.path.join(scripts, exe)
        tried.append(candidate)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError("greyhaven-lsp binary not found; tried: " + ", ".join(tried))
