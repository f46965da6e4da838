/**
 * Unit tests of `src/config.ts` under plain Node (`node --test`): settings
 * validation, binary discovery order (setting, workspace, bundled, PATH) on POSIX and Windows
 * with a stubbed file system, the server command, the document selector and the
 * status bar view. No `vscode` module is loaded: the module under test takes every
 * dependency as a parameter.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import {
  DiscoveryEnv,
  Settings,
  baseClientOptions,
  findServer,
  needsRestart,
  readSettings,
  selects,
  serverCommand,
  statusView,
} from "../../src/config";

function reader(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

const defaults: Settings = { serverPath: "", serverArgs: ["server"], trace: "off" };

function posix(files: string[], extra: Partial<DiscoveryEnv> = {}): DiscoveryEnv {
  const set = new Set(files);
  return {
    platform: "linux",
    env: { PATH: "/usr/local/bin::/usr/bin" },
    homedir: "/home/ada",
    extensionPath: "/ext",
    workspaceFolder: "/proj",
    isExecutable: (f) => set.has(f),
    ...extra,
  };
}

function windows(files: string[], extra: Partial<DiscoveryEnv> = {}): DiscoveryEnv {
  const set = new Set(files.map((f) => f.toLowerCase()));
  return {
    platform: "win32",
    env: { Path: "C:\\tools;C:\\bin", PATHEXT: ".COM;.EXE;.BAT" },
    homedir: "C:\\Users\\ada",
    extensionPath: "C:\\ext",
    workspaceFolder: "C:\\proj",
    isExecutable: (f) => set.has(f.toLowerCase()),
    ...extra,
  };
}

test("settings: defaults when nothing is set", () => {
  const r = readSettings(reader({}));
  assert.deepEqual(r.settings, defaults);
  assert.deepEqual(r.warnings, []);
});

test("settings: values are read and the path is trimmed", () => {
  const r = readSettings(
    reader({ "server.path": "  /opt/gh/greyhaven-lsp ", "server.args": ["server", "--x"], "trace.server": "verbose" }),
  );
  assert.deepEqual(r.settings, {
    serverPath: "/opt/gh/greyhaven-lsp",
    serverArgs: ["server", "--x"],
    trace: "verbose",
  });
  assert.deepEqual(r.warnings, []);
});

test("settings: an empty args array is kept", () => {
  assert.deepEqual(readSettings(reader({ "server.args": [] })).settings.serverArgs, []);
});

test("settings: bad values fall back to defaults with one warning each", () => {
  const r = readSettings(reader({ "server.path": 42, "server.args": ["server", 1], "trace.server": "loud" }));
  assert.deepEqual(r.settings, defaults);
  assert.equal(r.warnings.length, 3);
  assert.match(r.warnings[0], /server\.path/);
  assert.match(r.warnings[1], /server\.args/);
  assert.match(r.warnings[2], /trace\.server.*off, messages, verbose/);
  assert.deepEqual(readSettings(reader({ "server.args": "server" })).settings.serverArgs, ["server"]);
});

test("discovery: the setting wins over bundled and PATH", () => {
  const env = posix(["/opt/gh", "/ext/server/greyhaven-lsp", "/usr/bin/greyhaven-lsp"]);
  const r = findServer({ ...defaults, serverPath: "/opt/gh" }, env);
  assert.deepEqual(r, { ok: true, path: "/opt/gh", source: "setting", tried: ["/opt/gh"] });
});

test("discovery: a set but missing path is an error, not a silent fallback", () => {
  const env = posix(["/ext/server/greyhaven-lsp"]);
  const r = findServer({ ...defaults, serverPath: "/nope/greyhaven-lsp" }, env);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.fromSetting, true);
  assert.match(r.message, /greyhaven\.server\.path is "\/nope\/greyhaven-lsp", which is not an executable file/);
});

test("discovery: ~, ${userHome} and ${workspaceFolder} are expanded; relative paths start at the folder", () => {
  const env = posix(["/home/ada/bin/gh", "/proj/target/debug/greyhaven-lsp"]);
  assert.equal(findServer({ ...defaults, serverPath: "~/bin/gh" }, env).ok, true);
  assert.equal(findServer({ ...defaults, serverPath: "${userHome}/bin/gh" }, env).ok, true);
  const ws = findServer({ ...defaults, serverPath: "${workspaceFolder}/target/debug/greyhaven-lsp" }, env);
  assert.deepEqual(ws.ok && ws.path, "/proj/target/debug/greyhaven-lsp");
  const rel = findServer({ ...defaults, serverPath: "./target/debug/greyhaven-lsp" }, env);
  assert.deepEqual(rel.ok && rel.path, "/proj/target/debug/greyhaven-lsp");
  const noFolder = findServer(
    { ...defaults, serverPath: "target/debug/greyhaven-lsp" },
    posix([], { workspaceFolder: undefined }),
  );
  assert.equal(noFolder.ok, false);
  assert.match(!noFolder.ok ? noFolder.message : "", /relative/);
});

test("discovery: a bare name in the setting is looked up on PATH", () => {
  const env = posix(["/usr/bin/gh-lsp-nightly"]);
  const r = findServer({ ...defaults, serverPath: "gh-lsp-nightly" }, env);
  assert.deepEqual(r.ok && [r.path, r.source], ["/usr/bin/gh-lsp-nightly", "setting"]);
  const miss = findServer({ ...defaults, serverPath: "missing-lsp" }, env);
  assert.match(!miss.ok ? miss.message : "", /not found on PATH/);
});

test("discovery: bundled server/ binary before PATH", () => {
  const env = posix(["/ext/server/greyhaven-lsp", "/usr/bin/greyhaven-lsp"]);
  const r = findServer(defaults, env);
  assert.deepEqual(r.ok && [r.path, r.source], ["/ext/server/greyhaven-lsp", "bundled"]);
});

test("discovery: a trusted workspace's npm, then venv binary, before the bundled one", () => {
  const all = [
    "/proj/node_modules/@greyhaven-lsp/linux-x64/bin/greyhaven-lsp",
    "/proj/node_modules/.bin/greyhaven-lsp",
    "/proj/.venv/bin/greyhaven-lsp",
    "/proj/venv/bin/greyhaven-lsp",
    "/ext/server/greyhaven-lsp",
  ];
  const trusted = { workspaceTrusted: true, arch: "x64" };
  for (let i = 0; i < all.length; i++) {
    const r = findServer(defaults, posix(all.slice(i), trusted));
    assert.deepEqual(r.ok && [r.path, r.source], [all[i], i < 4 ? "workspace" : "bundled"], all[i]);
  }
  // untrusted (or unknown trust): never a binary from the workspace
  for (const extra of [{ workspaceTrusted: false, arch: "x64" }, { arch: "x64" }]) {
    const r = findServer(defaults, posix(all, extra));
    assert.deepEqual(r.ok && [r.path, r.source], ["/ext/server/greyhaven-lsp", "bundled"]);
    assert.ok(!r.tried.some((t) => t.startsWith("/proj/")));
  }
  // the setting still wins over the workspace
  const s = findServer({ ...defaults, serverPath: "/opt/gh" }, posix(["/opt/gh", ...all], trusted));
  assert.deepEqual(s.ok && s.source, "setting");
  // Windows: the platform package's .exe and the venv's Scripts folder
  const w = findServer(defaults, windows(["C:\\proj\\.venv\\Scripts\\greyhaven-lsp.exe"], trusted));
  assert.deepEqual(w.ok && [w.path, w.source], ["C:\\proj\\.venv\\Scripts\\greyhaven-lsp.exe", "workspace"]);
  assert.equal(w.tried[0], "C:\\proj\\node_modules\\@greyhaven-lsp\\win32-x64\\bin\\greyhaven-lsp.exe");
});

test("discovery: PATH in order, empty entries skipped", () => {
  const env = posix(["/usr/bin/greyhaven-lsp"]);
  const r = findServer(defaults, env);
  assert.deepEqual(r, {
    ok: true,
    path: "/usr/bin/greyhaven-lsp",
    source: "path",
    tried: ["/ext/server/greyhaven-lsp", "/usr/local/bin/greyhaven-lsp", "/usr/bin/greyhaven-lsp"],
  });
});

test("discovery: nothing found gives the install hint and the places tried", () => {
  const r = findServer(defaults, posix([], { env: {} }));
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.fromSetting, false);
  assert.match(r.message, /not found/);
  assert.match(r.message, /greyhaven\.server\.path/);
  assert.deepEqual(r.tried, ["/ext/server/greyhaven-lsp"]);
});

test("discovery on Windows: bundled .exe, Path with PATHEXT, setting without .exe", () => {
  assert.deepEqual(
    (() => {
      const r = findServer(defaults, windows(["C:\\ext\\server\\greyhaven-lsp.exe"]));
      return r.ok && [r.path, r.source];
    })(),
    ["C:\\ext\\server\\greyhaven-lsp.exe", "bundled"],
  );
  const onPath = findServer(defaults, windows(["C:\\bin\\greyhaven-lsp.exe"]));
  assert.deepEqual(onPath.ok && onPath.path, "C:\\bin\\greyhaven-lsp.exe");
  assert.ok(!onPath.ok || onPath.tried.includes("C:\\tools\\greyhaven-lsp.com"));
  const setting = findServer({ ...defaults, serverPath: "D:\\gh\\greyhaven-lsp" }, windows(["D:\\gh\\greyhaven-lsp.exe"]));
  assert.deepEqual(setting.ok && setting.path, "D:\\gh\\greyhaven-lsp.exe");
});

test("server command: binary, args from the settings, cwd at the folder", () => {
  const s = { ...defaults, serverArgs: ["server", "--flag"] };
  assert.deepEqual(serverCommand("/b/greyhaven-lsp", s, "/proj"), {
    command: "/b/greyhaven-lsp",
    args: ["server", "--flag"],
    options: { cwd: "/proj" },
  });
  assert.deepEqual(serverCommand("/b/greyhaven-lsp", defaults).options, {});
  // the settings' array is copied, not shared
  const cmd = serverCommand("/b", defaults);
  cmd.args.push("x");
  assert.deepEqual(defaults.serverArgs, ["server"]);
});

test("client options: TypeScript, Python and SQL files only", () => {
  const o = baseClientOptions();
  assert.equal(o.diagnosticCollectionName, "greyhaven");
  for (const lang of ["typescript", "python", "sql"]) assert.ok(selects(o.documentSelector, lang), lang);
  assert.ok(!selects(o.documentSelector, "javascript"));
  assert.ok(!selects(o.documentSelector, "typescript", "untitled"));
});

test("restart only when server settings change", () => {
  assert.equal(needsRestart((s) => s === "greyhaven.server"), true);
  assert.equal(needsRestart((s) => s === "greyhaven.trace"), false);
});

test("status bar: one view per state, errors carry their detail", () => {
  assert.match(statusView("starting").text, /sync~spin.*Greyhaven/);
  assert.match(statusView("running").text, /check/);
  assert.match(statusView("stopped").tooltip, /stopped/);
  const e = statusView("error", "not found");
  assert.match(e.text, /\$\(error\)/);
  assert.match(e.tooltip, /error\nnot found/);
});
