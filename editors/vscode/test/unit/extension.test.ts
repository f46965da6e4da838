/**
 * Unit tests of `src/extension.ts` with the `vscode` and `vscode-languageclient/node`
 * modules replaced by small fakes (installed through Node's module loader before
 * the extension is loaded): the "not found" error and its "Open Settings" button,
 * the client built from the settings, the status bar states, the restart command,
 * the restart on a change of the server settings, and the workspace's own binary
 * taken only once the workspace is trusted.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Module = require("node:module");

// ---- fakes -------------------------------------------------------------------
const State = { Stopped: 1, Running: 2, Starting: 3 } as const;

interface FakeClient {
  id: string;
  serverOptions: any;
  clientOptions: any;
  started: boolean;
  stopped: boolean;
}

const world = {
  settings: {} as Record<string, unknown>,
  folders: [] as string[],
  errors: [] as Array<{ message: string; items: string[] }>,
  errorChoice: undefined as string | undefined,
  executed: [] as unknown[][],
  commands: new Map<string, (...a: unknown[]) => unknown>(),
  configListeners: [] as Array<(e: { affectsConfiguration(s: string): boolean }) => void>,
  trusted: false,
  trustListeners: [] as Array<() => void>,
  clients: [] as FakeClient[],
  status: { text: "", tooltip: "", shown: false } as any,
  output: [] as string[],
};

const fakeVscode = {
  StatusBarAlignment: { Left: 1, Right: 2 },
  ThemeColor: class {
    constructor(public id: string) {}
  },
  window: {
    createOutputChannel: () => ({
      appendLine: (l: string) => world.output.push(l),
      show: () => undefined,
      dispose: () => undefined,
    }),
    createStatusBarItem: () => {
      world.status = { text: "", tooltip: "", shown: false, show() { this.shown = true; }, dispose() {} };
      return world.status;
    },
    showErrorMessage: (message: string, ...items: string[]) => {
      world.errors.push({ message, items });
      return Promise.resolve(world.errorChoice);
    },
  },
  commands: {
    registerCommand: (id: string, fn: (...a: unknown[]) => unknown) => {
      world.commands.set(id, fn);
      return { dispose: () => world.commands.delete(id) };
    },
    executeCommand: (...args: unknown[]) => {
      world.executed.push(args);
      return Promise.resolve();
    },
  },
  workspace: {
    get workspaceFolders() {
      return world.folders.map((f) => ({ uri: { scheme: "file", fsPath: f } }));
    },
    getConfiguration: (section: string) => {
      assert.equal(section, "greyhaven");
      return { get: (key: string) => world.settings[key] };
    },
    onDidChangeConfiguration: (fn: (e: { affectsConfiguration(s: string): boolean }) => void) => {
      world.configListeners.push(fn);
      return { dispose: () => undefined };
    },
    get isTrusted() {
      return world.trusted;
    },
    onDidGrantWorkspaceTrust: (fn: () => void) => {
      world.trustListeners.push(fn);
      return { dispose: () => undefined };
    },
  },
};

class LanguageClient implements FakeClient {
  started = false;
  stopped = false;
  private listeners: Array<(e: { oldState: number; newState: number }) => void> = [];
  constructor(
    public id: string,
    public name: string,
    public serverOptions: any,
    public clientOptions: any,
  ) {
    world.clients.push(this);
  }
  onDidChangeState(fn: (e: { oldState: number; newState: number }) => void) {
    this.listeners.push(fn);
    return { dispose: () => undefined };
  }
  private fire(oldState: number, newState: number) {
    for (const l of this.listeners) l({ oldState, newState });
  }
  async start() {
    this.fire(State.Stopped, State.Starting);
    await new Promise((r) => setImmediate(r));
    assert.equal(world.status.text, "$(sync~spin) Greyhaven", "status while starting");
    this.started = true;
    this.fire(State.Starting, State.Running);
  }
  async stop() {
    this.stopped = true;
    this.fire(State.Running, State.Stopped);
  }
}

const originalLoad = Module._load;
Module._load = function (request: string, ...rest: unknown[]) {
  if (request === "vscode") return fakeVscode;
  if (request === "vscode-languageclient/node") return { LanguageClient, State };
  return originalLoad.call(this, request, ...rest);
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ext: typeof import("../../src/extension") = require("../../src/extension");

// ---- helpers -----------------------------------------------------------------
function reset() {
  world.settings = {};
  world.folders = [];
  world.errors = [];
  world.errorChoice = undefined;
  world.executed = [];
  world.commands.clear();
  world.configListeners = [];
  world.trusted = false;
  world.trustListeners = [];
  world.clients = [];
  world.output = [];
}

function context(extensionPath: string) {
  return { extensionPath, subscriptions: [] as Array<{ dispose(): unknown }> } as any;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greyhaven-ext-unit-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const fakeBinary = path.join(tmp, "bin", "greyhaven-lsp");
fs.mkdirSync(path.dirname(fakeBinary));
fs.writeFileSync(fakeBinary, "#!/bin/sh\n", { mode: 0o755 });

// ---- tests -------------------------------------------------------------------
test("no binary: error with Open Settings, which opens the path setting", async () => {
  reset();
  const savedPath = process.env.PATH;
  process.env.PATH = path.join(tmp, "empty");
  world.errorChoice = "Open Settings";
  try {
    await ext.activate(context(path.join(tmp, "ext-without-server")));
  } finally {
    process.env.PATH = savedPath;
  }
  assert.equal(world.clients.length, 0);
  assert.equal(world.errors.length, 1);
  assert.match(world.errors[0].message, /greyhaven-lsp language server was not found/);
  assert.deepEqual(world.errors[0].items, ["Open Settings", "Show Output"]);
  assert.equal(world.status.text, "$(error) Greyhaven");
  assert.ok(world.status.shown);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(world.executed, [["workbench.action.openSettings", "greyhaven.server.path"]]);
  assert.ok(world.commands.has("greyhaven.restartServer"));
  assert.ok(world.commands.has("greyhaven.showOutput"));
  await ext.deactivate();
});

test("a wrong path setting is reported as such", async () => {
  reset();
  world.settings = { "server.path": path.join(tmp, "nope", "greyhaven-lsp") };
  await ext.activate(context(tmp));
  assert.equal(world.clients.length, 0);
  assert.match(world.errors[0]?.message ?? "", /greyhaven\.server\.path is ".*nope.*", which is not an executable file/);
  await ext.deactivate();
});

test("the client is built from the settings; status, restart and config changes", async () => {
  reset();
  world.settings = { "server.path": fakeBinary, "server.args": ["server", "--verbose"], "trace.server": "messages" };
  world.folders = [path.join(tmp, "proj")];
  await ext.activate(context(tmp));
  assert.deepEqual(world.errors, []);
  assert.equal(world.clients.length, 1);
  const c = world.clients[0];
  assert.equal(c.id, "greyhaven", "the id makes languageclient read greyhaven.trace.server");
  const run = { command: fakeBinary, args: ["server", "--verbose"], options: { cwd: path.join(tmp, "proj") } };
  assert.deepEqual(c.serverOptions, { run, debug: run });
  assert.deepEqual(
    c.clientOptions.documentSelector.map((f: { language: string }) => f.language),
    ["typescript", "python", "sql"],
  );
  assert.ok(c.clientOptions.outputChannel);
  assert.ok(c.started);
  assert.equal(world.status.text, "$(check) Greyhaven");
  assert.match(world.output.join("\n"), /using .*greyhaven-lsp \(setting\)/);

  await world.commands.get("greyhaven.restartServer")!();
  assert.ok(c.stopped);
  assert.equal(world.clients.length, 2);
  assert.ok(world.clients[1].started);
  assert.equal(world.status.text, "$(check) Greyhaven");

  // trace changes are left to languageclient; server changes restart
  for (const l of world.configListeners) l({ affectsConfiguration: (s) => s === "greyhaven.trace" });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(world.clients.length, 2);
  world.settings["server.args"] = ["server"];
  for (const l of world.configListeners) l({ affectsConfiguration: (s) => s === "greyhaven.server" });
  await ext.deactivate(); // queued after the restart
  assert.equal(world.clients.length, 3);
  assert.deepEqual(world.clients[2].serverOptions.run.args, ["server"]);
  assert.ok(world.clients[2].stopped);
  assert.equal(world.status.text, "$(circle-slash) Greyhaven");
});

test("the workspace's node_modules binary is used once the workspace is trusted", async () => {
  reset();
  const proj = path.join(tmp, "npm-proj");
  const local = path.join(proj, "node_modules", ".bin", "greyhaven-lsp");
  fs.mkdirSync(path.dirname(local), { recursive: true });
  fs.writeFileSync(local, "#!/bin/sh\n", { mode: 0o755 });
  const bundled = path.join(tmp, "ext-bundled", "server", "greyhaven-lsp");
  fs.mkdirSync(path.dirname(bundled), { recursive: true });
  fs.writeFileSync(bundled, "#!/bin/sh\n", { mode: 0o755 });
  world.folders = [proj];
  await ext.activate(context(path.join(tmp, "ext-bundled")));
  assert.equal(world.clients.at(-1)!.serverOptions.run.command, bundled, "untrusted: the bundled binary");
  world.trusted = true;
  for (const l of world.trustListeners) l();
  await ext.deactivate(); // queued after the restart
  assert.equal(world.clients.length, 2);
  assert.equal(world.clients[1].serverOptions.run.command, local);
  assert.match(world.output.join("\n"), /using .*node_modules.*\(workspace\)/);
});
