/**
 * Checks of the extension manifest (package.json) against what the code and the
 * marketplace need: activation events, the settings and their descriptions and
 * defaults (matching `config.ts`), the commands the extension registers, the
 * bundle entry point, the pinned packager, and the files vsce requires.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_ARGS, TRACE_VALUES } from "../../src/config";

// out/test/unit -> editors/vscode
const ROOT = path.resolve(__dirname, "../../..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

test("manifest: marketplace fields", () => {
  for (const field of ["name", "displayName", "description", "version", "publisher", "license"]) {
    assert.equal(typeof pkg[field], "string", field);
  }
  assert.equal(pkg.license, "MIT");
  assert.equal(typeof pkg.repository.url, "string");
  assert.match(pkg.engines.vscode, /^\^1\.\d+\.0$/);
  assert.equal(pkg.main, "./dist/extension.js");
  assert.equal(pkg.devDependencies["@vscode/vsce"], "3.9.2", "vsce is pinned exactly");
  for (const file of ["README.md", "LICENSE", ".vscodeignore", "package-lock.json"]) {
    assert.ok(fs.existsSync(path.join(ROOT, file)), file);
  }
  assert.match(pkg.scripts.package, /^vsce package/);
});

test("manifest: activation events", () => {
  assert.deepEqual([...pkg.activationEvents].sort(), [
    "onLanguage:python",
    "onLanguage:sql",
    "onLanguage:typescript",
    "workspaceContains:drizzle.config.ts",
    "workspaceContains:greyhaven.toml",
  ]);
});

test("manifest: settings with descriptions and the code's defaults", () => {
  const props = pkg.contributes.configuration.properties;
  assert.deepEqual(Object.keys(props).sort(), [
    "greyhaven.server.args",
    "greyhaven.server.path",
    "greyhaven.trace.server",
  ]);
  for (const [key, p] of Object.entries<any>(props)) {
    assert.ok((p.description ?? p.markdownDescription ?? "").length > 20, `${key} has a description`);
  }
  assert.equal(props["greyhaven.server.path"].default, "");
  assert.deepEqual(props["greyhaven.server.args"].default, DEFAULT_ARGS);
  assert.deepEqual(props["greyhaven.trace.server"].enum, TRACE_VALUES);
  assert.equal(props["greyhaven.trace.server"].default, "off");
  assert.deepEqual(
    pkg.capabilities.untrustedWorkspaces.restrictedConfigurations,
    ["greyhaven.server.path", "greyhaven.server.args"],
  );
});

test("manifest: the commands the extension registers", () => {
  const cmds = pkg.contributes.commands.map((c: { command: string; category: string; title: string }) => [
    c.command,
    `${c.category}: ${c.title}`,
  ]);
  assert.deepEqual(cmds, [
    ["greyhaven.restartServer", "Greyhaven: Restart Server"],
    ["greyhaven.showOutput", "Greyhaven: Show Output"],
  ]);
  const src = fs.readFileSync(path.join(ROOT, "src", "extension.ts"), "utf8");
  for (const [id] of cmds) assert.ok(src.includes(`registerCommand("${id}"`), id);
});
