#!/usr/bin/env bash
# Installs VS Code 1.100 as code-server 4.100.3 (npm, Node 20) plus playwright-core
# into a cache directory outside the clone, and prints that directory. A finished
# install is marked with a stamp naming this recipe, so later runs reuse it; an
# interrupted one is started over. Nothing is downloaded but npm packages: the
# native modules are built here with node-gyp against Node's own headers
# (/usr/include/node), ripgrep comes from Debian, and the browser is Debian's
# chromium. Needs: node, npm, a C++ toolchain, pkg-config, libkrb5-dev,
# libsecret-1-dev, libxkbfile-dev, libx11-dev, ripgrep (.ci/run installs them).
#
#   tests/editors/code_server_install.sh [CACHE_DIR]   # prints the install root
set -euo pipefail

CODE_SERVER=4.100.3
PLAYWRIGHT=1.65.1
RECIPE="code-server@$CODE_SERVER playwright-core@$PLAYWRIGHT recipe 1"

cache="${1:-${GREYHAVEN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/greyhaven-lsp}}"
root="$cache/code-server-$CODE_SERVER"
if [ -f "$root/.stamp" ] && [ "$(cat "$root/.stamp")" = "$RECIPE" ]; then
  echo "$root"
  exit 0
fi

log() { printf '    %s\n' "$*" >&2; }
for tool in node npm rg pkg-config c++ make python3; do
  command -v "$tool" >/dev/null || { echo "code_server_install: $tool is missing" >&2; exit 1; }
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || { echo "code_server_install: Node 20+ needed, have $(node --version)" >&2; exit 1; }
nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
[ -f "$nodedir/include/node/node.h" ] || {
  echo "code_server_install: no Node headers at $nodedir/include/node (node-gyp would download them)" >&2
  exit 1
}
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
[ -f "$gyp" ] || { echo "code_server_install: npm's bundled node-gyp not found at $gyp" >&2; exit 1; }
jobs="$(nproc 2>/dev/null || echo 2)"

mkdir -p "$cache"
work="$root.partial"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
printf '{ "name": "greyhaven-code-server", "private": true }\n' > package.json

npm_i() { npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$@" >&2; }
gyp_rebuild() { node "$gyp" rebuild --nodedir="$nodedir" -j "$jobs" "$@" >"$work/gyp.log" 2>&1 || {
  tail -40 "$work/gyp.log" >&2
  return 1
}; }

log "npm install code-server@$CODE_SERVER playwright-core@$PLAYWRIGHT"
# Scripts off: code-server's postinstall would fetch prebuilt binaries.
npm_i --save-exact "code-server@$CODE_SERVER" "playwright-core@$PLAYWRIGHT"

vscode="$work/node_modules/code-server/lib/vscode"
log "npm install in lib/vscode"
(cd "$vscode" && npm_i --omit=dev)
# @vscode/ripgrep's postinstall downloads rg from a host we cannot reach.
mkdir -p "$vscode/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$vscode/node_modules/@vscode/ripgrep/bin/rg"

while IFS= read -r gypfile; do
  dir="$(dirname "$gypfile")"
  log "node-gyp rebuild ${dir#"$vscode/"}"
  (cd "$dir" && gyp_rebuild)
done < <(find "$vscode/node_modules" -name binding.gyp -not -path '*/test/*' -not -path '*/deps/*' | sort)

ln -sfn node_modules "$vscode/node_modules.asar"
ln -sfn code-linux.sh "$vscode/bin/remote-cli/code-server"
ln -sfn browser-linux.sh "$vscode/bin/helpers/browser.sh"
log "npm install in lib/vscode/extensions"
(cd "$vscode/extensions" && npm_i --omit=dev)

# argon2 (code-server's password hashing, loaded at start even with --auth none)
# is a node-pre-gyp module: build it where its loader looks.
argon2="$(cd "$work" && node -p 'const p = require("node:path");
p.dirname(require.resolve("argon2/package.json", { paths: [p.dirname(require.resolve("code-server/package.json"))] }))')"
log "node-gyp rebuild argon2"
(cd "$argon2" && gyp_rebuild --module_name=argon2 --module_path=lib/binding/napi-v3 --napi_build_version=3)
mkdir -p "$argon2/lib/binding/napi-v3"
cp "$argon2/build/Release/argon2.node" "$argon2/lib/binding/napi-v3/argon2.node"

# The install is usable only if code-server starts far enough to print its version.
version="$(XDG_CONFIG_HOME="$work/.config" XDG_DATA_HOME="$work/.data" \
  timeout 60 "$work/node_modules/.bin/code-server" --version 2>&1 | tail -1)"
case "$version" in
  "$CODE_SERVER "*) log "$version" ;;
  *) echo "code_server_install: code-server --version printed: $version" >&2; exit 1 ;;
esac
rm -rf "$work/.config" "$work/.data" "$work/gyp.log"

rm -rf "$root"
mv "$work" "$root"
printf '%s' "$RECIPE" > "$root/.stamp"
echo "$root"
