/**
 * End-to-end test of the extension's client-side configuration against the real
 * `greyhaven-lsp` binary (path in GREYHAVEN_LSP_BIN, set by .ci/run after the cargo
 * build). The settings, discovery, server command and document selector come from
 * `src/config.ts`, exactly as the extension builds them; the process is spawned from
 * that command and spoken to with vscode-languageserver-protocol over its stdio:
 * initialize, open the Drizzle example's posts.ts, wait for the require-tenant-id
 * finding, ask for code actions, apply "Add tenant_id column" (the fix `check`
 * reports for it), see the finding go, then shutdown and exit.
 */
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import {
  CodeAction,
  CodeActionRequest,
  Diagnostic,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
  TextEdit,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
} from "vscode-languageserver-protocol/node";
import { baseClientOptions, findServer, readSettings, selects, serverCommand } from "../../src/config";

// out/test/e2e -> editors/vscode -> repository root
const REPO = path.resolve(__dirname, "../../../../..");
const TIMEOUT_MS = 30_000;

/** Applies LSP edits (UTF-16 positions, as negotiated by default) to `text`. */
function applyEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  const offset = (p: { line: number; character: number }) =>
    (p.line < lineStarts.length ? lineStarts[p.line] : text.length) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) {
    out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  }
  return out;
}

test("the extension's server options drive the real server to a quick fix", { timeout: 120_000 }, async (t) => {
  const bin = process.env.GREYHAVEN_LSP_BIN;
  if (bin === undefined || bin === "") {
    assert.fail("GREYHAVEN_LSP_BIN is not set (path to the built greyhaven-lsp binary)");
  }

  // A private copy of the Drizzle example, as the workspace folder.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "greyhaven-vscode-e2e-"));
  t.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const folder = path.join(tmp, "drizzle-app");
  fs.cpSync(path.join(REPO, "examples", "drizzle-app"), folder, { recursive: true });

  // The extension's own configuration path, with the setting pointing at the binary.
  const { settings, warnings } = readSettings((key) => ({ "server.path": bin })[key]);
  assert.deepEqual(warnings, []);
  const found = findServer(settings, {
    platform: process.platform,
    env: process.env,
    homedir: os.homedir(),
    extensionPath: path.resolve(__dirname, "../../.."),
    workspaceFolder: folder,
    isExecutable: (f) => {
      try {
        fs.accessSync(f, fs.constants.X_OK);
        return fs.statSync(f).isFile();
      } catch {
        return false;
      }
    },
  });
  assert.ok(found.ok, found.ok ? "" : found.message);
  assert.equal(found.source, "setting");
  const cmd = serverCommand(found.path, settings, folder);
  assert.deepEqual(cmd.args, ["server"]);
  const clientOptions = baseClientOptions();

  const file = path.join(folder, "src", "db", "schema", "posts.ts");
  const uri = pathToFileURL(file).href;
  const languageId = "typescript";
  assert.ok(selects(clientOptions.documentSelector, languageId), "the selector covers .ts files");
  let text = fs.readFileSync(file, "utf8");

  const proc = spawn(cmd.command, cmd.args, { cwd: cmd.options.cwd, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  t.after(() => {
    if (proc.exitCode === null) proc.kill();
  });
  const conn = createProtocolConnection(
    new StreamMessageReader(proc.stdout),
    new StreamMessageWriter(proc.stdin),
  );
  const latest = new Map<string, PublishDiagnosticsParams>();
  const waiters: Array<() => void> = [];
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    latest.set(p.uri, p);
    for (const w of waiters.splice(0)) w();
  });
  conn.onRequest("client/registerCapability", () => null);
  conn.onRequest("window/workDoneProgress/create", () => null);
  conn.onRequest("workspace/configuration", (p: { items: unknown[] }) => p.items.map(() => null));
  conn.listen();

  /** Waits until the latest diagnostics of `uri` satisfy `pred`. */
  const diagnosticsWhere = async (what: string, pred: (d: Diagnostic[]) => boolean): Promise<Diagnostic[]> => {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const cur = latest.get(uri);
      if (cur !== undefined && pred(cur.diagnostics)) return cur.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) {
        assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(cur?.diagnostics.map((d) => d.code))}\nstderr:\n${stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  const init = await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    clientInfo: { name: "greyhaven-vscode-e2e" },
    rootUri: pathToFileURL(folder).href,
    workspaceFolders: [{ uri: pathToFileURL(folder).href, name: "drizzle-app" }],
    capabilities: {
      textDocument: {
        synchronization: { dynamicRegistration: false },
        publishDiagnostics: { versionSupport: true },
        codeAction: {
          codeActionLiteralSupport: { codeActionKind: { valueSet: ["quickfix", "source"] } },
        },
      },
      workspace: { workspaceFolders: true, applyEdit: true },
    },
  });
  assert.ok(init.capabilities.codeActionProvider, "the server offers code actions");
  assert.ok(init.capabilities.textDocumentSync, "the server syncs documents");
  await conn.sendNotification(InitializedNotification.type, {});

  await conn.sendNotification(DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId, version: 1, text },
  });
  const diags = await diagnosticsWhere("require-tenant-id", (ds) => ds.some((d) => d.code === "require-tenant-id"));
  const finding = diags.find((d) => d.code === "require-tenant-id");
  assert.ok(finding);
  assert.equal(finding.source, "greyhaven");

  const actions = (await conn.sendRequest(CodeActionRequest.type, {
    textDocument: { uri },
    range: finding.range,
    context: { diagnostics: [finding], only: ["quickfix"] },
  })) as CodeAction[] | null;
  assert.ok(actions !== null && actions.length > 0, "code actions for the finding");
  const titles = actions.map((a) => a.title);
  assert.ok(titles.includes("Ignore require-tenant-id for this line"), JSON.stringify(titles));
  // The checker's own report offers the same fix for the finding.
  const report = JSON.parse(
    spawnSync(found.path, ["check", "--format", "json", "."], { cwd: folder, encoding: "utf8" }).stdout,
  ) as { diagnostics: Array<{ path: string; rule: string; fix: { safety: string } | null }> };
  const cliFinding = report.diagnostics.find((d) => d.rule === "require-tenant-id" && d.path.endsWith("posts.ts"));
  assert.ok(cliFinding, "check --format json reports the same finding");
  assert.ok(cliFinding.fix !== null, "check --format json offers a fix for it");
  // The report computes no fix (only its safety); the server computes it on request.
  assert.equal(cliFinding.fix?.safety, "unsafe");
  const chosen = actions.find((a) => a.kind === "quickfix" && !a.title.startsWith("Ignore "));
  assert.ok(chosen, `a fix action among ${JSON.stringify(titles)}`);
  assert.match(chosen.title, /tenant_id/);
  assert.equal(chosen.kind, "quickfix");
  const edits = chosen.edit?.changes?.[uri] ?? [];
  assert.ok(edits.length > 0, JSON.stringify(chosen.edit));

  // Apply it as the editor would and send the change; the finding goes away.
  text = applyEdits(text, edits);
  assert.match(text, /tenant_id: uuid\(/);
  await conn.sendNotification(DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text }],
  });
  await diagnosticsWhere("require-tenant-id to go", (ds) => !ds.some((d) => d.code === "require-tenant-id"));

  await conn.sendRequest(ShutdownRequest.type);
  await conn.sendNotification(ExitNotification.type);
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000).unref())]);
  assert.equal(code, 0, `server exit code; stderr:\n${stderr}`);
  conn.dispose();
});
