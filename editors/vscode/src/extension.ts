/**
 * The VS Code side of Greyhaven: on activation it reads the settings, finds the
 * `greyhaven-lsp` binary (see `config.ts`), and starts it over stdio with
 * vscode-languageclient for TypeScript, Python and SQL files. It owns the
 * "Greyhaven" output channel, the status bar item (starting / running / stopped /
 * error), the "Restart Server" and "Show Output" commands, the "server not found"
 * error with its "Open Settings" button, and restarts the server when its path or
 * arguments change, or when the workspace becomes trusted (its own binary may then
 * be used).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import {
  SECTION,
  ServerState,
  baseClientOptions,
  findServer,
  needsRestart,
  readSettings,
  serverCommand,
  statusView,
} from "./config";

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
let traceOutput: vscode.OutputChannel;
let status: vscode.StatusBarItem;
/** Serializes start/stop so overlapping restarts cannot interleave. */
let queue: Promise<void> = Promise.resolve();

function setStatus(state: ServerState, detail?: string): void {
  const view = statusView(state, detail);
  status.text = view.text;
  status.tooltip = view.tooltip;
  status.backgroundColor =
    state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  status.show();
}

function isExecutable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform !== "win32") fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function workspaceFolder(): string | undefined {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === "file");
  return folder?.uri.fsPath;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const { settings, warnings } = readSettings((key) => config.get(key));
  for (const w of warnings) output.appendLine(`[settings] ${w}`);

  const folder = workspaceFolder();
  const found = findServer(settings, {
    platform: process.platform,
    env: process.env,
    homedir: os.homedir(),
    extensionPath: context.extensionPath,
    workspaceFolder: folder,
    workspaceTrusted: vscode.workspace.isTrusted,
    arch: process.arch,
    isExecutable,
  });
  if (!found.ok) {
    output.appendLine(`[discovery] ${found.message}`);
    for (const t of found.tried) output.appendLine(`[discovery]   tried ${t}`);
    setStatus("error", found.message);
    void vscode.window
      .showErrorMessage(`Greyhaven: ${found.message}`, "Open Settings", "Show Output")
      .then((choice) => {
        if (choice === "Open Settings") {
          void vscode.commands.executeCommand(
            "workbench.action.openSettings",
            `${SECTION}.server.path`,
          );
        } else if (choice === "Show Output") {
          output.show(true);
        }
      });
    return;
  }
  output.appendLine(`[discovery] using ${found.path} (${found.source})`);

  const run = serverCommand(found.path, settings, folder);
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    ...baseClientOptions(),
    outputChannel: output,
    traceOutputChannel: traceOutput,
  };
  // The id "greyhaven" makes vscode-languageclient honour `greyhaven.trace.server`.
  const c = new LanguageClient(SECTION, "Greyhaven", serverOptions, clientOptions);
  c.onDidChangeState((e) => {
    if (client !== c) return;
    if (e.newState === State.Starting) setStatus("starting");
    else if (e.newState === State.Running) setStatus("running", found.path);
    else setStatus("stopped");
  });
  client = c;
  setStatus("starting");
  try {
    await c.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    output.appendLine(`[client] failed to start: ${message}`);
    setStatus("error", message);
    void vscode.window
      .showErrorMessage(`Greyhaven: the language server failed to start: ${message}`, "Show Output")
      .then((choice) => {
        if (choice === "Show Output") output.show(true);
      });
  }
}

async function stop(): Promise<void> {
  const c = client;
  client = undefined;
  if (c === undefined) return;
  try {
    await c.stop();
  } catch (err) {
    output.appendLine(`[client] stop: ${err instanceof Error ? err.message : String(err)}`);
  }
  setStatus("stopped");
}

function restart(context: vscode.ExtensionContext): Promise<void> {
  queue = queue.then(async () => {
    await stop();
    await start(context);
  });
  return queue;
}

export function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Greyhaven");
  traceOutput = vscode.window.createOutputChannel("Greyhaven Trace");
  status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 10);
  status.name = "Greyhaven";
  status.command = "greyhaven.showOutput";
  context.subscriptions.push(
    output,
    traceOutput,
    status,
    vscode.commands.registerCommand("greyhaven.restartServer", () => restart(context)),
    vscode.commands.registerCommand("greyhaven.showOutput", () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (needsRestart((section) => e.affectsConfiguration(section))) void restart(context);
    }),
    // Trust makes the workspace's own binary eligible (see findServer).
    vscode.workspace.onDidGrantWorkspaceTrust(() => void restart(context)),
  );
  queue = queue.then(() => start(context));
  return queue;
}

export function deactivate(): Promise<void> {
  queue = queue.then(stop);
  return queue;
}
