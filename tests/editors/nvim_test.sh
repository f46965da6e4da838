#!/usr/bin/env bash
# Runs the headless Neovim end-to-end test of editors/nvim (nvim_test.lua beside
# this script) against a built server.
#   GREYHAVEN_LSP_BIN  the greyhaven-lsp binary (default: target/debug/greyhaven-lsp)
#   NVIM               the Neovim 0.11 binary (default: nvim on PATH)
# Exits non-zero with the reason printed when anything fails.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${GREYHAVEN_LSP_BIN:-$repo/target/debug/greyhaven-lsp}"
nvim="${NVIM:-nvim}"

command -v "$nvim" >/dev/null || { echo "FAIL: Neovim not found ($nvim)" >&2; exit 1; }
[ -x "$bin" ] || { echo "FAIL: greyhaven-lsp binary not found ($bin)" >&2; exit 1; }
"$nvim" --version | head -n 1

# A private XDG tree, so no user config, state or log is read or written.
xdg="$(mktemp -d)"
trap 'rm -rf "$xdg"' EXIT
export XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" \
  XDG_STATE_HOME="$xdg/state" XDG_CACHE_HOME="$xdg/cache"

timeout 180 "$nvim" --headless -u NONE -i NONE -l "$repo/tests/editors/nvim_test.lua" "$repo" "$bin"
