/**
 * Settings, server discovery and the server/client options of the Greyhaven
 * extension, with no dependency on the `vscode` module: whatever this module needs
 * from the editor or the machine (a settings reader, the platform, the environment,
 * a file check) comes in as a parameter. The unit tests run it under plain Node with
 * stubs, and the end-to-end test drives the real server with the very options built
 * here, so what is tested is what the extension runs.
 */
import * as nodePath from "node:path";

export type Trace = "off" | "messages" | "verbose";
export const TRACE_VALUES: readonly Trace[] = ["off", "messages", "verbose"];

/** The configuration section of every setting below. */
export const SECTION = "greyhaven";
/** Default `greyhaven.server.args`: run the language server over stdio. */
export const DEFAULT_ARGS: readonly string[] = ["server"];
/** The language ids the server is started for. */
export const LANGUAGES: readonly string[] = ["typescript", "python", "sql"];

export interface Settings {
  /** `greyhaven.server.path`, trimmed; "" when unset. */
  serverPath: string;
  /** `greyhaven.server.args`. */
  serverArgs: string[];
  /** `greyhaven.trace.server`. */
  trace: Trace;
}

/** Reads one key under the `greyhaven` section (`WorkspaceConfiguration.get` fits). */
export type SettingsReader = (key: string) => unknown;

export interface ReadSettings {
  settings: Settings;
  /** One line per setting that had an unusable value (its default is used instead). */
  warnings: string[];
}

/** Reads and validates the settings; bad values fall back to defaults with a warning. */
export function readSettings(get: SettingsReader): ReadSettings {
  const warnings: string[] = [];

  let serverPath = "";
  const rawPath = get("server.path");
  if (typeof rawPath === "string") {
    serverPath = rawPath.trim();
  } else if (rawPath !== undefined && rawPath !== null) {
    warnings.push(`${SECTION}.server.path must be a string; ignoring it`);
  }

  let serverArgs = [...DEFAULT_ARGS];
  const rawArgs = get("server.args");
  if (Array.isArray(rawArgs) && rawArgs.every((a) => typeof a === "string")) {
    serverArgs = [...rawArgs];
  } else if (rawArgs !== undefined && rawArgs !== null) {
    warnings.push(
      `${SECTION}.server.args must be an array of strings; using ${JSON.stringify(DEFAULT_ARGS)}`,
    );
  }

  let trace: Trace = "off";
  const rawTrace = get("trace.server");
  if (typeof rawTrace === "string" && (TRACE_VALUES as readonly string[]).includes(rawTrace)) {
    trace = rawTrace as Trace;
  } else if (rawTrace !== undefined && rawTrace !== null) {
    warnings.push(
      `${SECTION}.trace.server must be one of ${TRACE_VALUES.join(", ")}; using "off"`,
    );
  }

  return { settings: { serverPath, serverArgs, trace }, warnings };
}

/** What discovery needs from the machine and the editor. */
export interface DiscoveryEnv {
  platform: NodeJS.Platform;
  /** Environment variables (`PATH`, and `PATHEXT` on Windows). */
  env: Record<string, string | undefined>;
  homedir: string;
  /** The extension's install folder (holds `server/`). */
  extensionPath: string;
  /** The first workspace folder, if any (relative setting paths start there). */
  workspaceFolder?: string;
  /**
   * Whether the workspace is trusted. Only then are binaries inside it (from the
   * npm package or a virtual environment) run; unset counts as untrusted.
   */
  workspaceTrusted?: boolean;
  /** The CPU architecture (`process.arch`), for the npm platform package's name. */
  arch?: string;
  /** `true` when `file` exists, is a file, and may be executed. */
  isExecutable(file: string): boolean;
}

export type ServerSource = "setting" | "workspace" | "bundled" | "path";

export type Discovery =
  | { ok: true; path: string; source: ServerSource; tried: string[] }
  | { ok: false; message: string; tried: string[]; fromSetting: boolean };

/** The binary's file name on `platform`. */
export function binaryName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "greyhaven-lsp.exe" : "greyhaven-lsp";
}

function pathApi(platform: NodeJS.Platform): nodePath.PlatformPath {
  return platform === "win32" ? nodePath.win32 : nodePath.posix;
}

/** An environment variable, case-insensitively on Windows (`Path` vs `PATH`). */
function envVar(env: DiscoveryEnv, name: string): string | undefined {
  if (env.platform !== "win32") return env.env[name];
  const key = Object.keys(env.env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env.env[key];
}

/** Expands `~`, `${userHome}` and `${workspaceFolder}` in a configured path. */
export function expandPath(value: string, env: DiscoveryEnv): string {
  let out = value;
  if (out === "~" || out.startsWith("~/") || out.startsWith("~\\")) {
    out = env.homedir + out.slice(1);
  }
  out = out.split("${userHome}").join(env.homedir);
  if (env.workspaceFolder !== undefined) {
    out = out.split("${workspaceFolder}").join(env.workspaceFolder);
  }
  return out;
}

/** Candidates for `command` in each `PATH` directory (with `PATHEXT` on Windows). */
function onPath(command: string, env: DiscoveryEnv): string[] {
  const p = pathApi(env.platform);
  const dirs = (envVar(env, "PATH") ?? "").split(p.delimiter).filter((d) => d !== "");
  let names = [command];
  if (env.platform === "win32" && p.extname(command) === "") {
    const exts = (envVar(env, "PATHEXT") ?? ".COM;.EXE;.BAT;.CMD")
      .split(";")
      .filter((e) => e !== "");
    names = exts.map((e) => command + e.toLowerCase());
  }
  const out: string[] = [];
  for (const dir of dirs) for (const name of names) out.push(p.join(dir, name));
  return out;
}

const INSTALL_HINT =
  "Install it in the workspace (`npm i -D greyhaven-lsp`, or `pip install greyhaven-lsp` in its " +
  "`.venv`), install the extension's platform-specific package (which bundles it), put it on PATH " +
  "(`cargo install`), or set greyhaven.server.path to the binary.";

/**
 * The binaries a workspace pins, in order: the npm platform package's binary (what
 * `node_modules/.bin/greyhaven-lsp` runs, without needing `node` on PATH), the
 * `node_modules/.bin` entry itself (posix; other layouts such as pnpm's), then the
 * wheel's binary in the workspace's `.venv` / `venv`.
 */
export function workspaceCandidates(folder: string, platform: NodeJS.Platform, arch: string): string[] {
  const p = pathApi(platform);
  const exe = binaryName(platform);
  const out = [p.join(folder, "node_modules", "@greyhaven-lsp", `${platform}-${arch}`, "bin", exe)];
  if (platform !== "win32") out.push(p.join(folder, "node_modules", ".bin", "greyhaven-lsp"));
  const scripts = platform === "win32" ? "Scripts" : "bin";
  for (const venv of [".venv", "venv"]) out.push(p.join(folder, venv, scripts, exe));
  return out;
}

/**
 * Finds the server binary: `greyhaven.server.path` when set (a bare name is looked
 * up on `PATH`; no fallback, so a wrong setting is reported rather than hidden),
 * else the workspace's own binary (see `workspaceCandidates`; trusted workspaces
 * only), else `server/greyhaven-lsp[.exe]` inside the extension, else
 * `greyhaven-lsp` on `PATH`.
 */
export function findServer(settings: Settings, env: DiscoveryEnv): Discovery {
  const p = pathApi(env.platform);
  const tried: string[] = [];
  const first = (candidates: string[]): string | undefined => {
    for (const c of candidates) {
      tried.push(c);
      if (env.isExecutable(c)) return c;
    }
    return undefined;
  };

  if (settings.serverPath !== "") {
    const value = expandPath(settings.serverPath, env);
    const isName = !value.includes("/") && !(env.platform === "win32" && value.includes("\\"));
    let found: string | undefined;
    if (isName) {
      found = first(onPath(value, env));
    } else if (value.includes("${workspaceFolder}")) {
      return {
        ok: false,
        fromSetting: true,
        tried,
        message: `greyhaven.server.path ("${settings.serverPath}") uses \${workspaceFolder}, but no folder is open.`,
      };
    } else {
      let full = value;
      if (!p.isAbsolute(full)) {
        if (env.workspaceFolder === undefined) {
          return {
            ok: false,
            fromSetting: true,
            tried,
            message: `greyhaven.server.path ("${settings.serverPath}") is relative, but no workspace folder is open to resolve it against.`,
          };
        }
        full = p.resolve(env.workspaceFolder, full);
      }
      const candidates = [full];
      if (env.platform === "win32" && p.extname(full) === "") candidates.push(full + ".exe");
      found = first(candidates);
    }
    if (found !== undefined) return { ok: true, path: found, source: "setting", tried };
    return {
      ok: false,
      fromSetting: true,
      tried,
      message: isName
        ? `greyhaven.server.path is "${settings.serverPath}", which was not found on PATH.`
        : `greyhaven.server.path is "${settings.serverPath}", which is not an executable file.`,
    };
  }

  if (env.workspaceFolder !== undefined && env.workspaceTrusted === true) {
    const local = first(workspaceCandidates(env.workspaceFolder, env.platform, env.arch ?? process.arch));
    if (local !== undefined) return { ok: true, path: local, source: "workspace", tried };
  }

  const bundled = first([p.join(env.extensionPath, "server", binaryName(env.platform))]);
  if (bundled !== undefined) return { ok: true, path: bundled, source: "bundled", tried };

  const found = first(onPath("greyhaven-lsp", env));
  if (found !== undefined) return { ok: true, path: found, source: "path", tried };

  return {
    ok: false,
    fromSetting: false,
    tried,
    message: `The greyhaven-lsp language server was not found. ${INSTALL_HINT}`,
  };
}

/**
 * How to start the server: a vscode-languageclient `Executable` (no `transport`
 * means stdio). The working directory is the first workspace folder, if any.
 */
export interface ServerCommand {
  command: string;
  args: string[];
  options: { cwd?: string };
}

export function serverCommand(binary: string, settings: Settings, workspaceFolder?: string): ServerCommand {
  const options: { cwd?: string } = {};
  if (workspaceFolder !== undefined) options.cwd = workspaceFolder;
  return { command: binary, args: [...settings.serverArgs], options };
}

export interface DocumentFilter {
  scheme: string;
  language: string;
}

/** The documents synced to the server: files on disk of the languages it reads. */
export function documentSelector(): DocumentFilter[] {
  return LANGUAGES.map((language) => ({ scheme: "file", language }));
}

/** The editor-independent part of the client options. */
export interface BaseClientOptions {
  documentSelector: DocumentFilter[];
  diagnosticCollectionName: string;
}

export function baseClientOptions(): BaseClientOptions {
  return { documentSelector: documentSelector(), diagnosticCollectionName: "greyhaven" };
}

/** `true` when `filter`s select a file document of `languageId`. */
export function selects(filters: DocumentFilter[], languageId: string, scheme = "file"): boolean {
  return filters.some((f) => f.language === languageId && f.scheme === scheme);
}

/** Whether a configuration change needs the server restarted (path or args changed). */
export function needsRestart(affects: (section: string) => boolean): boolean {
  return affects(`${SECTION}.server`);
}

export type ServerState = "starting" | "running" | "stopped" | "error";

/** The status bar text and tooltip for a server state. */
export function statusView(state: ServerState, detail?: string): { text: string; tooltip: string } {
  const icon = {
    starting: "$(sync~spin)",
    running: "$(check)",
    stopped: "$(circle-slash)",
    error: "$(error)",
  }[state];
  const what = {
    starting: "starting",
    running: "running",
    stopped: "stopped",
    error: "error",
  }[state];
  let tooltip = `greyhaven-lsp: ${what}`;
  if (detail !== undefined && detail !== "") tooltip += `\n${detail}`;
  tooltip += "\nClick to show the output.";
  return { text: `${icon} Greyhaven`, tooltip };
}
