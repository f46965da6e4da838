#!/usr/bin/env bash
# Headless Emacs test of editors/emacs/greyhaven-lsp.el: Debian's emacs-nox with
# eglot (built in from Emacs 29; elpa-eglot on Emacs 28) against the server binary
# GREYHAVEN_LSP_BIN, on a copy of examples/drizzle-app (tests/editors/emacs_test.el).
#
#   GREYHAVEN_LSP_BIN=target/debug/greyhaven-lsp tests/editors/emacs_test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="$(cd "$(dirname "${GREYHAVEN_LSP_BIN:?set GREYHAVEN_LSP_BIN}")" && pwd)/$(basename "$GREYHAVEN_LSP_BIN")"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/greyhaven-emacs-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cp -R examples/drizzle-app "$tmp/drizzle-app"
# A git repository, so project.el (and so eglot) takes this folder as the project.
git -C "$tmp/drizzle-app" init -q
emacs --version | head -1
# Debian's elpa-eglot lives in the site-lisp package directory.
GREYHAVEN_TEST_DIR="$tmp/drizzle-app" GREYHAVEN_LSP_BIN="$bin" HOME="$tmp" \
  timeout 180 emacs -Q --batch \
  --eval '(progn (require (quote package)) (add-to-list (quote package-directory-list) "/usr/share/emacs/site-lisp/elpa") (package-initialize))' \
  -L editors/emacs -l greyhaven-lsp -l tests/editors/emacs_test.el
