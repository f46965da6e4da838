#!/usr/bin/env bash
# Installs what packaging/build.sh wrote into target/dist/ the way users do, each
# into a fresh temporary place, and checks it works without Rust:
#   * the wheel, into a fresh venv: `greyhaven-lsp --version`, `check examples/`
#     (exit 1 with the findings examples/README.md lists), `python -m greyhaven_lsp`,
#     and `[tool.greyhaven]` read from a project's pyproject.toml next to other tools'
#     tables;
#   * the npm tarballs, into a temp project with `npm install ./*.tgz`:
#     `npx greyhaven-lsp check` and a package.json script;
#   * the pre-commit hook (.pre-commit-hooks.yaml) with real pre-commit on a temp
#     git repository: it fails on a violation and passes after `check --fix`.
# Prints "N passed, N failed" last.
#
#   packaging/test_artifacts.sh DIST_DIR PRE_COMMIT
# PRE_COMMIT is the pre-commit executable (from PyPI; .ci/run installs it).
set -uo pipefail

cd "$(dirname "$0")/.."
repo="$PWD"
dist="$(cd "${1:?usage: test_artifacts.sh DIST_DIR PRE_COMMIT}" && pwd)"
pre_commit="${2:?usage: test_artifacts.sh DIST_DIR PRE_COMMIT}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/greyhaven-artifacts-XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() { failed=$((failed + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/    /' | tail -30; }
# expect NAME WANT_EXIT CMD...: runs CMD, passes when it exits WANT_EXIT.
expect() {
  local name="$1" want="$2" out rc
  shift 2
  out="$("$@" 2>&1)"
  rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name"; else bad "$name (exit $rc, want $want)" "$out"; fi
  last_out="$out"
}
contains() { case "$last_out" in *"$2"*) ok "$1" ;; *) bad "$1 (no '$2')" "$last_out" ;; esac; }

wheel="$(ls "$dist"/greyhaven_lsp-"$version"-*.whl)"
main_tgz="$dist/greyhaven-lsp-$version.tgz"
platform_tgz="$(ls "$dist"/greyhaven-lsp-*-"$version".tgz | grep -v "/greyhaven-lsp-$version.tgz")"

# --- wheel ----------------------------------------------------------------------
echo "# wheel: $(basename "$wheel")"
python3 -m venv "$tmp/venv"
expect "pip install the wheel into a fresh venv" 0 \
  "$tmp/venv/bin/python" -m pip install --quiet --no-index --disable-pip-version-check "$wheel"
gh="$tmp/venv/bin/greyhaven-lsp"
expect "greyhaven-lsp --version" 0 "$gh" --version
contains "--version names $version" "greyhaven-lsp $version"
expect "check examples/ finds what examples/README.md lists (exit 1)" 0 \
  python3 packaging/expected_findings.py "$repo" "$gh"
expect "python -m greyhaven_lsp check examples/ gives the same" 0 \
  python3 packaging/expected_findings.py "$repo" "$tmp/venv/bin/python" -m greyhaven_lsp
expect "python -m greyhaven_lsp --version" 0 "$tmp/venv/bin/python" -m greyhaven_lsp --version
contains "python -m names $version" "greyhaven-lsp $version"
# A Python project whose pyproject.toml also holds its build and other tools'
# settings: [tool.greyhaven] still configures the check.
py="$tmp/pyproj"
mkdir -p "$py/app"
cat >"$py/pyproject.toml" <<'EOF'
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "app"
version = "1.0.0"

[tool.ruff]
line-length = 100

[tool.greyhaven.rules]
require-tenant-id = "off"
EOF
cat >"$py/app/models.py" <<'EOF'
from sqlmodel import Field, SQLModel


class Note(SQLModel, table=True):
    __tablename__ = "notes"
    id: int = Field(primary_key=True)
EOF
expect "in a project's pyproject.toml, [tool.greyhaven] is read" 1 \
  bash -c "cd '$py' && '$gh' check --format json"
if grep -q '"rule": *"require-tenant-id"' <<<"$last_out"; then
  bad "[tool.greyhaven.rules] turns require-tenant-id off" "$last_out"
elif grep -q '"rule": *"require-uuid-primary-key"' <<<"$last_out"; then
  ok "[tool.greyhaven.rules] turns require-tenant-id off (other rules still run)"
else
  bad "the pyproject project was checked" "$last_out"
fi

# --- npm ------------------------------------------------------------------------
echo "# npm: $(basename "$main_tgz") $(basename "$platform_tgz")"
npmproj="$tmp/npmproj"
cp -R examples/drizzle-app "$npmproj"
cp "$main_tgz" "$platform_tgz" "$npmproj/"
# The example's package.json lists drizzle-orm etc.; this test only needs ours.
cat >"$npmproj/package.json" <<'EOF'
{
  "name": "drizzle-app",
  "private": true,
  "scripts": {
    "lint:db": "greyhaven-lsp check"
  }
}
EOF
expect "npm install ./*.tgz into a temp project" 0 \
  bash -c "cd '$npmproj' && npm install --no-audit --no-fund --loglevel=error ./*.tgz"
plat="$(basename "$platform_tgz" "-$version.tgz")"
plat="${plat#greyhaven-lsp-}"
if [ -x "$npmproj/node_modules/@greyhaven-lsp/$plat/bin/greyhaven-lsp" ] ||
  [ -f "$npmproj/node_modules/@greyhaven-lsp/$plat/bin/greyhaven-lsp.exe" ]; then
  ok "the platform package @greyhaven-lsp/$plat holds an executable binary"
else
  bad "the platform package @greyhaven-lsp/$plat holds an executable binary" "$(ls -lR "$npmproj/node_modules/@greyhaven-lsp" 2>&1)"
fi
expect "npx greyhaven-lsp --version" 0 bash -c "cd '$npmproj' && npx --no-install greyhaven-lsp --version"
contains "npx --version names $version" "greyhaven-lsp $version"
expect "npx greyhaven-lsp check exits 1 on the example" 1 \
  bash -c "cd '$npmproj' && npx --no-install greyhaven-lsp check"
contains "npx greyhaven-lsp check reports require-tenant-id" "require-tenant-id"
expect "npm run lint:db (package.json script) exits non-zero on the example" 1 \
  bash -c "cd '$npmproj' && npm run --silent lint:db >/dev/null"
expect "the npm launcher forwards stdio (server answers initialize)" 0 bash -c "cd '$npmproj' &&
  printf 'Content-Length: 58\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}' |
  timeout 20 npx --no-install greyhaven-lsp server | head -c 200 | grep -q capabilities"

# --- pre-commit -------------------------------------------------------------------
echo "# pre-commit: $("$pre_commit" --version)"
expect "pre-commit validate-manifest .pre-commit-hooks.yaml" 0 "$pre_commit" validate-manifest .pre-commit-hooks.yaml
# The hook repository: this checkout's .pre-commit-hooks.yaml, committed.
hooks="$tmp/hooks-repo"
mkdir -p "$hooks"
cp .pre-commit-hooks.yaml "$hooks/"
git -C "$hooks" init -q
git -C "$hooks" add .pre-commit-hooks.yaml
git -C "$hooks" -c user.name=ci -c user.email=ci@example.invalid commit -qm hooks
rev="$(git -C "$hooks" rev-parse HEAD)"
# A project that passes, then one violation with a safe fix.
proj="$tmp/precommit-proj"
mkdir -p "$proj/src/db/schema"
# No drizzle.config.ts: its `schema` entry (index.ts) would import the other tables.
cp examples/drizzle-app/greyhaven.toml "$proj/"
cp examples/drizzle-app/src/db/schema/{tenants,columns,users}.ts "$proj/src/db/schema/"
sed -i.bak '/^    \.\.\.timestamps,$/d' "$proj/src/db/schema/users.ts" && rm "$proj/src/db/schema/users.ts.bak"
cat >"$proj/.pre-commit-config.yaml" <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: greyhaven-check
EOF
git -C "$proj" init -q
git -C "$proj" add -A
export PRE_COMMIT_HOME="$tmp/pre-commit-home"
# The hook runs the greyhaven-lsp installed for the project: here the wheel's venv.
expect "pre-commit: the hook fails on the violation" 1 \
  env PATH="$tmp/venv/bin:$PATH" bash -c "cd '$proj' && '$pre_commit' run --all-files"
contains "pre-commit output names require-timestamps" "require-timestamps"
expect "check --fix fixes it" 0 bash -c "cd '$proj' && '$gh' check --fix"
git -C "$proj" add -A
expect "pre-commit: the hook passes after check --fix" 0 \
  env PATH="$tmp/venv/bin:$PATH" bash -c "cd '$proj' && '$pre_commit' run --all-files"
expect "git commit runs the installed hook and succeeds" 0 bash -c "cd '$proj' &&
  PATH='$tmp/venv/bin:$PATH' '$pre_commit' install >/dev/null &&
  PATH='$tmp/venv/bin:$PATH' git -c user.name=ci -c user.email=ci@example.invalid commit -qm ok"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
