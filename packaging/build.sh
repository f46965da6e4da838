#!/usr/bin/env bash
# Builds every distributable of greyhaven-lsp for one platform into target/dist/:
# the PyPI wheel (maturin, `bindings = "bin"`), the npm tarballs (`greyhaven-lsp`
# and its platform package `@greyhaven-lsp/<platform>`) and the platform-specific
# VS Code extension (.vsix with the binary in server/). The binary is built once
# (`cargo build --release`, run by maturin); all three ship that build. Works from a clean
# checkout; CI (.ci/run) runs it and installs each artifact, and
# .github/workflows/release.yml runs it on each release platform.
#
#   packaging/build.sh [--target TRIPLE]
#
# Needs cargo, python3 with maturin (or MATURIN=/path/to/maturin), node 20 + npm.
# The output directory is replaced only when every artifact was built.
set -euo pipefail

cd "$(dirname "$0")/.."
repo="$PWD"

target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="${2:?--target needs a triple}"; shift 2 ;;
    --target=*) target="${1#--target=}"; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf '==> %s\n' "$*" >&2; }
die() { echo "build.sh: $*" >&2; exit 1; }

host="$(rustc -vV | sed -n 's/^host: //p')"
triple="${target:-$host}"
# Rust target triple -> the platform name npm (process.platform-process.arch)
# and vsce (--target) both use.
case "$triple" in
  x86_64-unknown-linux-gnu) platform=linux-x64 ;;
  aarch64-unknown-linux-gnu) platform=linux-arm64 ;;
  x86_64-apple-darwin) platform=darwin-x64 ;;
  aarch64-apple-darwin) platform=darwin-arm64 ;;
  x86_64-pc-windows-msvc) platform=win32-x64 ;;
  *) die "no release platform for target $triple (linux/macOS x64+arm64, windows x64)" ;;
esac
exe=greyhaven-lsp
case "$platform" in win32-*) exe=greyhaven-lsp.exe ;; esac

# One version everywhere: Cargo.toml's. The npm and VS Code manifests carry it
# literally (they are what users read), so a mismatch stops the build.
version="$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "greyhaven-lsp"))')"
node - "$version" <<'JS' || die "version mismatch (fix the manifests named above)"
const fs = require("node:fs");
const want = process.argv[2];
let bad = false;
const check = (file, what, got) => {
  if (got !== want) {
    console.error(`build.sh: ${file}: ${what} is ${JSON.stringify(got)}, Cargo.toml says ${want}`);
    bad = true;
  }
};
const main = JSON.parse(fs.readFileSync("npm/greyhaven-lsp/package.json", "utf8"));
check("npm/greyhaven-lsp/package.json", "version", main.version);
for (const [name, v] of Object.entries(main.optionalDependencies)) {
  check("npm/greyhaven-lsp/package.json", `optionalDependencies["${name}"]`, v);
}
const ext = JSON.parse(fs.readFileSync("editors/vscode/package.json", "utf8"));
check("editors/vscode/package.json", "version", ext.version);
process.exit(bad ? 1 : 0);
JS

target_dir="$(cargo metadata --no-deps --format-version 1 --locked |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
# Git Bash on Windows: a C:\... path from cargo, as a path bash can use.
if command -v cygpath >/dev/null; then target_dir="$(cygpath -u "$target_dir")"; fi
dist="$target_dir/dist"
stage="$target_dir/dist.partial"
rm -rf "$stage"
mkdir -p "$stage"

# --- PyPI wheel, and the binary every artifact ships -----------------------------
# maturin runs `cargo build --release` (stripping the binary); the npm package and
# the .vsix then ship the very binary inside the wheel.
step "wheel (maturin build --release, $triple)"
maturin="${MATURIN:-maturin}"
command -v "$maturin" >/dev/null || die "maturin not found (pip install maturin==1.16.0, or set MATURIN)"
maturin_args=(build --release --locked --out "$stage")
[ -n "$target" ] && maturin_args+=(--target "$target")
# shellcheck disable=SC2086 # GREYHAVEN_MATURIN_ARGS is a list of extra flags
"$maturin" "${maturin_args[@]}" ${GREYHAVEN_MATURIN_ARGS:-} >&2
wheels=("$stage"/greyhaven_lsp-"$version"-*.whl)
[ -f "${wheels[0]}" ] && [ "${#wheels[@]}" -eq 1 ] || die "expected one wheel in $stage, found: ${wheels[*]}"
bin_dir="$target_dir/dist-bin/$platform"
rm -rf "$bin_dir"
mkdir -p "$bin_dir"
bin="$bin_dir/$exe"
python3 - "${wheels[0]}" "greyhaven_lsp-$version.data/scripts/$exe" "$bin" <<'PY'
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    if member not in z.namelist():
        sys.exit(f"build.sh: {wheel} has no {member}")
    with z.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
chmod 755 "$bin"
if [ "$triple" = "$host" ]; then
  got="$("$bin" --version)"
  [ "$got" = "greyhaven-lsp $version" ] || die "$bin --version printed '$got', expected 'greyhaven-lsp $version'"
fi

# --- npm packages ---------------------------------------------------------------
step "npm packages (greyhaven-lsp, @greyhaven-lsp/$platform)"
npm_stage="$target_dir/npm"
rm -rf "$npm_stage"
mkdir -p "$npm_stage/main" "$npm_stage/$platform/bin"
cp -R npm/greyhaven-lsp/. "$npm_stage/main/"
cp "$bin" "$npm_stage/$platform/bin/$exe"
chmod 755 "$npm_stage/$platform/bin/$exe"
node - "$version" "$platform" "$exe" "$npm_stage/$platform" <<'JS'
// The platform package's manifest: npm installs it only where os/cpu match.
const fs = require("node:fs");
const path = require("node:path");
const [version, platform, exe, dir] = process.argv.slice(2);
const [os, cpu] = platform.split("-");
const main = JSON.parse(fs.readFileSync("npm/greyhaven-lsp/package.json", "utf8"));
const pkg = {
  name: `@greyhaven-lsp/${platform}`,
  version,
  description: `The ${platform} binary of greyhaven-lsp (installed by the greyhaven-lsp package)`,
  license: main.license,
  repository: main.repository,
  os: [os],
  cpu: [cpu],
  files: [`bin/${exe}`],
  preferUnplugged: true,
};
fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
fs.writeFileSync(
  path.join(dir, "README.md"),
  `# @greyhaven-lsp/${platform}\n\nThe ${platform} binary of [greyhaven-lsp](https://www.npmjs.com/package/greyhaven-lsp). ` +
    "Install `greyhaven-lsp`, not this package.\n",
);
JS
for d in "$npm_stage/main" "$npm_stage/$platform"; do
  (cd "$d" && npm pack --silent --pack-destination "$stage" >/dev/null)
done
ls "$stage"/greyhaven-lsp-"$version".tgz "$stage"/greyhaven-lsp-"$platform"-"$version".tgz >/dev/null ||
  die "npm pack wrote no tarballs"

# --- VS Code extension ------------------------------------------------------------
step "VS Code extension (.vsix for $platform)"
ext=editors/vscode
if [ ! -d "$ext/node_modules/@vscode/vsce" ]; then
  # --ignore-scripts: nothing here needs a postinstall (no signing binary).
  (cd "$ext" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
bundled="$ext/server/$exe"
cleanup() { rm -f "$repo/$bundled"; }
trap cleanup EXIT
cp "$bin" "$bundled"
chmod 755 "$bundled"
(cd "$ext" && npx --no-install vsce package --no-dependencies --target "$platform" \
  --out "$stage/greyhaven-lsp-$platform-$version.vsix" >&2)
python3 - "$stage/greyhaven-lsp-$platform-$version.vsix" "extension/server/$exe" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
info = {i.filename: i for i in z.infolist()}
need = ["extension/package.json", "extension/dist/extension.js", sys.argv[2]]
missing = [n for n in need if n not in info]
if missing:
    sys.exit(f"build.sh: {sys.argv[1]} lacks {missing}")
PY
cleanup

rm -rf "$dist"
mv "$stage" "$dist"
step "wrote $dist:"
(cd "$dist" && ls -l | sed 1d >&2)
