#!/usr/bin/env node
// The `greyhaven-lsp` command of the npm package: finds the native binary in the
// platform package npm installed as an optional dependency
// (`@greyhaven-lsp/<platform>-<arch>`), runs it with this process's arguments and
// standard streams (so `greyhaven-lsp server` speaks LSP over stdio through it),
// and exits with its exit code. GREYHAVEN_LSP_BINARY overrides the binary.
"use strict";

const { spawnSync } = require("node:child_process");
const path = require("node:path");

const platformPackage = `@greyhaven-lsp/${process.platform}-${process.arch}`;
const exe = process.platform === "win32" ? "greyhaven-lsp.exe" : "greyhaven-lsp";

function binary() {
  const override = process.env.GREYHAVEN_LSP_BINARY;
  if (override) return override;
  try {
    return path.join(path.dirname(require.resolve(`${platformPackage}/package.json`)), "bin", exe);
  } catch {
    process.stderr.write(
      `greyhaven-lsp: the package ${platformPackage} is not installed, so there is no binary for ` +
        `${process.platform}-${process.arch}.\n` +
        "npm installs it as an optional dependency of greyhaven-lsp: reinstall without " +
        "--no-optional / --omit=optional, or use another install route (pip install greyhaven-lsp, " +
        "cargo install).\n",
    );
    process.exit(2);
  }
}

const result = spawnSync(binary(), process.argv.slice(2), { stdio: "inherit", windowsHide: true });
if (result.error) {
  process.stderr.write(`greyhaven-lsp: cannot run ${result.error.path ?? "the binary"}: ${result.error.message}\n`);
  process.exit(2);
}
if (result.signal) {
  process.kill(process.pid, result.signal);
}
process.exit(result.status ?? 1);
