#!/usr/bin/env python3
"""End-to-end language-server figures over stdio against a built binary (the
release build by default), with a small LSP client of its own. Prints figures
beside the issue 10 targets; it is not a timed test and asserts nothing.

    CARGO_TARGET_DIR=$HOME/.cache/greyhaven-lsp/release-target \\
        cargo build --release --locked --bin greyhaven-lsp
    python3 bench/server.py [--bin PATH] [--edits N] [--only NAME,...]

Figures (each from one run):
  keystroke   didChange -> publishDiagnostics of that version, median and p99,
              on a generated 5,000-line Drizzle schema (>= 500 findings) inside
              a project with 300 SQL migrations and 40 other schema files;
              target median <= 3 ms end to end
  sqlmodel    the same on a 2,000-line SQLModel file with an Alembic history
  burst       1,000 changes sent back to back on a 4,400-line schema: time from
              the last change written to the publication of the final version;
              target <= 50 ms
  payload     bytes of the publishDiagnostics message per diagnostic (the
              5,000-line schema); target <= 400 B
  memory      server RSS (VmHWM, VmRSS) after indexing a generated 1,000-file
              workspace and opening one file, and 3 s later at rest (freed
              memory returned); target <= 4x source + 30 MB

How the clock runs: it starts when the didChange frame has been written and
flushed to the server's stdin, and stops when the last byte of the body of a
publishDiagnostics message has been read from its stdout (the reader thread
takes the time before decoding the JSON: decoding a 600 KiB body in Python is
the client's cost, not the server's); the message is then decoded and only
the publication of the edited document's URI with the version just sent
counts, so an older publication never stops the clock. "server CPU" is the
server process's user + system time over the edits (/proc/PID/stat) per
keystroke: the work the server does, which the machine's load does not
inflate the way it inflates wall time.

With --timings the server logs each lint's stages (GREYHAVEN_LSP_TIMINGS):
applying the notifications, parse + extract, check, convert + diff, and
handing the publication to the output; the medians are printed beside the
end-to-end figure, and what is left is transport (JSON-RPC decoding, framing,
pipes, stdout, the client reading). The log lines cost a little themselves,
so the headline figures come from a run without it.

Every project is generated under a temporary directory (same input, same bytes).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BIN = Path(
    os.environ.get(
        "GREYHAVEN_LSP_BIN",
        Path.home() / ".cache/greyhaven-lsp/release-target/release/greyhaven-lsp",
    )
)
TIMEOUT = 120.0
TIMINGS = False


# ---------------------------------------------------------------- the client


class Client:
    """Spawns the server, frames JSON-RPC, reads on a thread, and lets the
    caller wait for a message matching a predicate (never sleeps)."""

    def __init__(self, binary: Path, cwd: Path):
        env = dict(os.environ)
        if TIMINGS:
            env["GREYHAVEN_LSP_TIMINGS"] = "1"
        self.proc = subprocess.Popen(
            [str(binary)],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.cv = threading.Condition()
        self.messages = []  # (arrival time, size in bytes, message)
        self.closed = False
        self.next_id = 1
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    with self.cv:
                        self.closed = True
                        self.cv.notify_all()
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = out.read(length or 0)
            now = time.perf_counter()
            try:
                msg = json.loads(body)
            except ValueError:
                continue
            if "method" in msg and "id" in msg:
                self._write({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            with self.cv:
                self.messages.append((now, len(body), msg))
                self.cv.notify_all()

    def _write(self, msg):
        body = json.dumps(msg).encode()
        with self.lock:
            self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            self.proc.stdin.flush()

    def notify(self, method, params):
        self._write({"jsonrpc": "2.0", "method": method, "params": params})
        return time.perf_counter()

    def request(self, method, params):
        i = self.next_id
        self.next_id += 1
        self._write({"jsonrpc": "2.0", "id": i, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == i and "method" not in m)[2]

    def mark(self):
        with self.cv:
            return len(self.messages)

    def wait(self, pred, start=0, timeout=TIMEOUT):
        deadline = time.perf_counter() + timeout
        with self.cv:
            while True:
                for entry in self.messages[start:]:
                    if pred(entry[2]):
                        return entry
                left = deadline - time.perf_counter()
                if left <= 0 or self.closed:
                    raise TimeoutError("no matching message")
                self.cv.wait(left)

    def initialize(self, root: Path, pull=False):
        caps = {
            "general": {"positionEncodings": ["utf-16"]},
            "window": {"workDoneProgress": True},
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
            "textDocument": {"publishDiagnostics": {"versionSupport": True}},
        }
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": "bench"}],
                "capabilities": caps,
            },
        )
        self.notify("initialized", {})
        self.wait(
            lambda m: m.get("method") == "$/progress"
            and m["params"]["value"].get("kind") == "end"
        )

    def open(self, path: Path, text: str, version=1):
        lang = "python" if path.suffix == ".py" else "typescript"
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri(path), "languageId": lang, "version": version, "text": text}},
        )

    def change(self, path: Path, version: int, line: int, char: int, end_char: int, text: str):
        return self.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri(path), "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": char},
                            "end": {"line": line, "character": end_char},
                        },
                        "text": text,
                    }
                ],
            },
        )

    def published(self, path: Path, version: int, start=0):
        u = uri(path)
        return self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == u
            and m["params"].get("version") == version,
            start,
        )

    def cpu_ms(self):
        """User + system CPU time of the server so far, in milliseconds."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
        return ticks * 1000 / os.sysconf("SC_CLK_TCK")

    def rss_kib(self):
        out = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
        return out

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except (TimeoutError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()


def uri(path: Path) -> str:
    return "file://" + str(path)


# ---------------------------------------------------------------- generators


HEADER = (
    'import { pgTable, uuid, text, timestamp, integer, boolean, index } '
    'from "drizzle-orm/pg-core";\n\n'
)


def drizzle(lines: int, prefix: str, with_tenants: bool) -> str:
    """A Drizzle schema of about `lines` lines: tenant tables with a foreign
    key, an index and timestamps, and a mix of findings (no RLS, a missing
    tenant index on every third table, a boolean without a prefix)."""
    out = [HEADER]
    if with_tenants:
        out.append(
            'export const tenants = pgTable("tenants", {\n'
            '  id: uuid("id").primaryKey().defaultRandom(),\n'
            '  name: text("name").notNull(),\n'
            "});\n\n"
        )
    else:
        out.append('import { tenants } from "./schema";\n\n')
    i = 0
    n = sum(s.count("\n") for s in out)
    while n < lines:
        name = f"{prefix}_{i}"
        extra = (
            f', (t) => [index("{name}_tenant_id_idx").on(t.tenant_id)]'
            if i % 3
            else ""
        )
        block = (
            f'export const {prefix}{i} = pgTable("{name}", {{\n'
            '  id: uuid("id").primaryKey().defaultRandom(),\n'
            '  tenant_id: uuid("tenant_id").notNull().references(() => tenants.id),\n'
            '  title: text("title").notNull(),\n'
            '  amount: integer("amount"),\n'
            '  active: boolean("active"),\n'
            '  created_at: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),\n'
            '  updated_at: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),\n'
            f"}}{extra});\n\n"
        )
        out.append(block)
        n += block.count("\n")
        i += 1
    return "".join(out)


def drizzle_project(root: Path, schema_lines: int, others: int, migrations: int) -> Path:
    db = root / "src/db"
    db.mkdir(parents=True)
    schema = db / "schema.ts"
    schema.write_text(drizzle(schema_lines, "item", True))
    for k in range(others):
        (db / f"module{k}.ts").write_text(drizzle(120, f"mod{k}_", False))
    mig = root / "drizzle"
    mig.mkdir()
    for k in range(migrations):
        body = f'CREATE TABLE "legacy_{k}" ("id" uuid PRIMARY KEY, "tenant_id" uuid NOT NULL, "name" text);\n'
        if k % 10 == 0:
            body += f'ALTER TABLE "item_{k}" ENABLE ROW LEVEL SECURITY;\n'
        (mig / f"{k:04}_m{k}.sql").write_text(body)
    return schema


def sqlmodel(lines: int) -> str:
    out = [
        "import uuid\nfrom datetime import datetime\nfrom sqlmodel import Field, SQLModel\n\n\n"
        'class Tenant(SQLModel, table=True):\n    __tablename__ = "tenants"\n'
        "    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n\n\n"
    ]
    n = out[0].count("\n")
    i = 0
    while n < lines:
        block = (
            f"class Item{i}(SQLModel, table=True):\n"
            f'    __tablename__ = "item_{i}"\n'
            "    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)\n"
            '    tenant_id: uuid.UUID = Field(foreign_key="tenants.id")\n'
            "    title: str\n"
            "    active: bool = False\n"
            "    created_at: datetime = Field(default_factory=datetime.now)\n\n\n"
        )
        out.append(block)
        n += block.count("\n")
        i += 1
    return "".join(out)


def sqlmodel_project(root: Path, lines: int, revisions: int) -> Path:
    app = root / "app"
    app.mkdir(parents=True)
    models = app / "models.py"
    models.write_text(sqlmodel(lines))
    versions = root / "alembic/versions"
    versions.mkdir(parents=True)
    prev = None
    for k in range(revisions):
        rev = f"r{k:04}"
        down = f'"{prev}"' if prev else "None"
        up = (
            f'    op.execute("ALTER TABLE item_{k} ENABLE ROW LEVEL SECURITY")\n'
            if k % 10 == 0
            else f'    op.create_index("ix_item_{k}_title", "item_{k}", ["title"])\n'
        )
        (versions / f"{rev}_step.py").write_text(
            f'"""step {k}"""\nfrom alembic import op\n\nrevision = "{rev}"\n'
            f"down_revision = {down}\n\n\ndef upgrade():\n{up}\n\ndef downgrade():\n    pass\n"
        )
        prev = rev
    return models


def big_workspace(root: Path, files: int, lines: int) -> int:
    """`files` schema files of about `lines` lines (a tenth SQLModel); returns
    the source size in bytes."""
    size = 0
    (root / "src").mkdir(parents=True)
    (root / "src/schema.ts").write_text(drizzle(lines, "root", True))
    size += (root / "src/schema.ts").stat().st_size
    for k in range(1, files):
        if k % 10 == 0:
            p = root / f"py/m{k}.py"
            p.parent.mkdir(exist_ok=True)
            p.write_text(sqlmodel(lines).replace("Item", f"M{k}Item").replace('"item_', f'"m{k}_item_'))
        else:
            p = root / f"src/f{k}.ts"
            p.write_text(drizzle(lines, f"f{k}_", False))
        size += p.stat().st_size
    return size


# ---------------------------------------------------------------- measures


def percentile(xs, p):
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def keystrokes(c: Client, path: Path, text: str, edits: int):
    """Type a character after "title" in the middle of the file and delete it
    again, alternately; the time from each didChange to its publication."""
    mid = len(text) // 2
    off = text.index("title", mid) + len("title")
    line = text.count("\n", 0, off)
    char = off - (text.rfind("\n", 0, off) + 1)
    c.open(path, text, 1)
    _, size, msg = c.published(path, 1)
    n_diags = len(msg["params"]["diagnostics"])
    times = []
    stages = {}
    cpu_before = c.cpu_ms()
    for k in range(edits):
        version = k + 2
        start = c.mark()
        if k % 2 == 0:
            sent = c.change(path, version, line, char, char, "x")
        else:
            sent = c.change(path, version, line, char, char + 1, "")
        at, _, _ = c.published(path, version, start)
        times.append((at - sent) * 1000)
        if TIMINGS:
            # The publication's own timing line follows it.
            c.wait(lambda m: m.get("method") == "window/logMessage"
                   and m["params"]["message"].startswith("timing publish="), start)
            for _, _, m in c.messages[start:]:
                if m.get("method") == "window/logMessage" and m["params"]["message"].startswith("timing"):
                    for key, us in re.findall(r"([a-z+]+)=(\d+)us", m["params"]["message"]):
                        stages.setdefault(key, []).append(int(us) / 1000)
    cpu = (c.cpu_ms() - cpu_before) / max(edits, 1)
    if TIMINGS:
        split = ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in stages.items())
        inside = sum(statistics.median(v) for v in stages.values())
        print(f"  server stages (median ms): {split}")
        print(f"  end to end minus server stages (transport): {statistics.median(times) - inside:.2f} ms")
    return times, n_diags, size, cpu


def show(name, value, target):
    print(f"  {name:<44} {value:>14}   target {target}")


def bench_keystroke(binary, tmp, edits, payload=True):
    root = tmp / "drizzle"
    schema = drizzle_project(root, 5000, 40, 300)
    text = schema.read_text()
    c = Client(binary, root)
    try:
        c.initialize(root)
        times, n, size, cpu = keystrokes(c, schema, text, edits)
    finally:
        c.close()
    print(f"keystroke: {text.count(chr(10))}-line Drizzle schema, {n} findings, 40 other schema files, 300 migrations")
    show("didChange -> publish median", f"{statistics.median(times):.2f} ms", "<= 3 ms (end to end)")
    show("didChange -> publish p99", f"{percentile(times, 99):.2f} ms", "(p99 <= 3 ms in-process)")
    show("server CPU per keystroke", f"{cpu:.2f} ms", "")
    if payload:
        print("payload:")
        show("publish bytes per diagnostic", f"{size / max(n, 1):.0f} B", "<= 400 B")
        show("publish message", f"{size / 1024:.1f} KiB", "")


def bench_sqlmodel(binary, tmp, edits):
    root = tmp / "sqlmodel"
    models = sqlmodel_project(root, 2000, 100)
    text = models.read_text()
    c = Client(binary, root)
    try:
        c.initialize(root)
        times, n, size, cpu = keystrokes(c, models, text, edits)
    finally:
        c.close()
    print(f"sqlmodel: {text.count(chr(10))}-line SQLModel file, {n} findings, 100 Alembic revisions")
    show("didChange -> publish median", f"{statistics.median(times):.2f} ms", "<= 3 ms (end to end)")
    show("didChange -> publish p99", f"{percentile(times, 99):.2f} ms", "")
    show("server CPU per keystroke", f"{cpu:.2f} ms", "")
    show("publish bytes per diagnostic", f"{size / max(n, 1):.0f} B", "<= 400 B")


def bench_burst(binary, tmp):
    root = tmp / "burst"
    root.mkdir()
    path = root / "schema.ts"
    text = drizzle(4400, "item", True)
    path.write_text(text)
    line = text[: text.index("title", len(text) // 2)].count("\n")
    c = Client(binary, root)
    try:
        c.initialize(root)
        c.open(path, text, 1)
        c.published(path, 1)
        start = time.perf_counter()
        last = None
        for k in range(1000):
            if k % 2 == 0:
                last = c.change(path, k + 2, line, 0, 0, "//x\n")
            else:
                # delete the inserted line
                last = c.notify(
                    "textDocument/didChange",
                    {
                        "textDocument": {"uri": uri(path), "version": k + 2},
                        "contentChanges": [
                            {
                                "range": {
                                    "start": {"line": line, "character": 0},
                                    "end": {"line": line + 1, "character": 0},
                                },
                                "text": "",
                            }
                        ],
                    },
                )
        at, _, _ = c.published(path, 1001)
        pubs = sum(
            1
            for _, _, m in c.messages
            if m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri(path)
        )
    finally:
        c.close()
    print(f"burst: 1,000 changes on a {text.count(chr(10))}-line schema")
    show("last change -> final version published", f"{(at - last) * 1000:.1f} ms", "<= 50 ms")
    show("sending the 1,000 changes took", f"{(last - start) * 1000:.1f} ms", "")
    show("publications for the 1,000 versions", f"{pubs - 1}", "(one per lint)")


def bench_memory(binary, tmp, files):
    root = tmp / "workspace"
    size = big_workspace(root, files, 500)
    c = Client(binary, root)
    try:
        t = time.perf_counter()
        c.initialize(root)
        indexed = time.perf_counter() - t
        first = root / "src/schema.ts"
        c.open(first, first.read_text(), 1)
        c.published(first, 1)
        rss = c.rss_kib()
        # The server returns what indexing freed once mimalloc's purge delay
        # has passed (lsp::index): resident memory at rest, 3 s later.
        time.sleep(3)
        rest = c.rss_kib()
    finally:
        c.close()
    mib = size / 2**20
    limit = 4 * mib + 30
    print(f"memory: {files}-file workspace, {mib:.1f} MiB of source")
    show("indexing time", f"{indexed * 1000:.0f} ms", "")
    show("RSS (VmRSS) after indexing + open", f"{rss.get('VmRSS', 0) / 1024:.1f} MiB", f"<= {limit:.1f} MiB")
    show("RSS at rest (3 s later)", f"{rest.get('VmRSS', 0) / 1024:.1f} MiB", f"<= {limit:.1f} MiB")
    show("peak RSS (VmHWM)", f"{rss.get('VmHWM', 0) / 1024:.1f} MiB", f"<= {limit:.1f} MiB")
    show("ratio peak / (4x source + 30 MB)", f"{rss.get('VmHWM', 0) / 1024 / limit:.2f}", "<= 1.00")
    show("ratio resident / source", f"{rss.get('VmRSS', 0) / 1024 / mib:.2f}", "")
    print("  (what the heap holds, by part: cargo bench --bench memory)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", type=Path, default=DEFAULT_BIN)
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--only", default="keystroke,sqlmodel,burst,memory")
    ap.add_argument("--timings", action="store_true", help="print the server's per-stage medians")
    args = ap.parse_args()
    global TIMINGS
    TIMINGS = args.timings
    if not args.bin.is_file():
        sys.exit(f"no server binary at {args.bin} (build it first, see --help)")
    only = set(args.only.split(","))
    tmp = Path(tempfile.mkdtemp(prefix="greyhaven-server-bench-"))
    print(f"server: {args.bin}")
    try:
        if "keystroke" in only:
            bench_keystroke(args.bin, tmp, args.edits)
        if "sqlmodel" in only:
            bench_sqlmodel(args.bin, tmp, args.edits)
        if "burst" in only:
            bench_burst(args.bin, tmp)
        if "memory" in only:
            bench_memory(args.bin, tmp, args.files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
