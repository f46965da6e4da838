#!/usr/bin/env python3
"""Real-world validation of greyhaven-lsp: the database is the judge.

For each repository (a checkout on disk plus its settings in repos.toml) this
script builds the repository's database in a throwaway PostgreSQL 15 cluster with
the real tools, reads the catalog, derives the findings of the DB-visible rules
from it (see DB_RULES and README.md for how each rule is read), runs
`greyhaven-lsp check --format json` on a temporary copy of the same source with
the same tenancy settings, matches both sets by (rule, table, column) and prints
precision and recall per rule and overall, with every false positive and false
negative listed. It never writes into the checkout.

    realworld.py [--repos FILE] --checkouts DIR [--only NAME ...] [--bin PATH] [--json OUT]
    realworld.py [--repos FILE] --checkout PATH --name NAME [--bin PATH] [--json OUT]
    realworld.py selftest [--bin PATH]

The checkout of entry `owner/name` is `DIR/owner+name` (git archive of the
entry's commit). Needs PostgreSQL 15 (PG_BIN, default /usr/lib/postgresql/15/bin);
Drizzle entries need npm, Python entries a venv (both cached under --cache).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

# The rules whose findings the catalog shows, and how many keys a finding has:
# "table" rules are matched by (rule, table), the others by (rule, table, column).
DB_RULES = {
    "require-tenant-id": "table",
    "tenant-id-not-null": "column",
    "tenant-id-type": "column",
    "tenant-id-foreign-key": "column",
    "require-uuid-primary-key": "table",
    "require-timestamps": "column",
    "soft-delete-column": "column",
    "snake-case-column": "column",
    "snake-case-table": "table",
    "email-column-name": "column",
    "boolean-prefix": "column",
    "index-tenant-id": "table",
    "index-foreign-keys": "column",
    "foreign-key-explicit": "column",
    "enable-rls": "table",
    "tenant-isolation-policy": "table",
    "tenant-scoped-unique": "column",
}

# Schemas that belong to the platform (Supabase shim, extensions, Drizzle's
# migration bookkeeping), never to the application; Alembic's `alembic_version`
# table is left out as well.
PLATFORM_SCHEMAS = {
    "auth", "storage", "extensions", "realtime", "supabase_functions", "graphql",
    "graphql_public", "vault", "pgsodium", "net", "cron", "drizzle", "information_schema",
    "supabase_migrations", "pgbouncer",
}

# Rules a Python (SQLModel) source can satisfy with client-side defaults, which
# the catalog cannot show: for those kinds the catalog check leaves defaults out.
PY_KINDS = {"sqlmodel", "alembic"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# names


def to_snake(name: str) -> str:
    """snake_case form of a name: `emailAddress` -> `email_address`, `HTTPCode` -> `http_code`."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s)
    return s.strip("_").lower()


def is_snake(name: str) -> bool:
    return re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name) is not None


# --------------------------------------------------------------------------
# settings


@dataclass
class Settings:
    name: str
    kind: str  # drizzle | sql | sqlmodel | alembic
    commit: str = ""
    root: str = "."
    check_path: str = "."
    schema: list[str] = field(default_factory=list)  # drizzle: schema files/globs
    casing: str = ""  # drizzle-kit casing for generate
    # drizzle: several drizzle-kit configs into one database, each
    # {schema = [...], casing = "..."}; replaces schema/casing when given
    generate: list[dict] = field(default_factory=list)
    # With several drizzle-kit configs (several databases generated into one
    # cluster database here): the config each generated table belongs to.
    groups: dict = field(default_factory=dict)
    migrations: str = ""  # sql: migrations folder; drizzle: committed migrations (extras)
    order: str = "file"  # journal | file
    models: list[str] = field(default_factory=list)  # sqlmodel: modules to import
    metadata: str = "sqlmodel:SQLModel.metadata"
    pythonpath: str = "."
    env: dict = field(default_factory=dict)
    # alembic: the revisions' env.py (relative to root), replaced in the copy by
    # the harness's own minimal one when the project's imports the application
    # (web framework, settings) just to build a URL
    alembic_env: str = ""
    pip: list[str] = field(default_factory=list)  # pinned extra PyPI packages (name==x.y.z)
    npm: list[str] = field(default_factory=list)  # pinned extra npm packages (name@x.y.z)
    prelude: list[str] = field(default_factory=list)  # "supabase", or SQL text
    tenancy: dict = field(default_factory=dict)
    skip_rules: list[str] = field(default_factory=list)
    drizzle_casing_override: str = ""  # written as [drizzle] casing in greyhaven.toml
    notes: str = ""

    @classmethod
    def from_entry(cls, entry: dict) -> "Settings":
        known = set(cls.__dataclass_fields__)
        unknown = set(entry) - known
        if unknown:
            raise SystemExit(f"repos.toml: {entry.get('name')}: unknown keys {sorted(unknown)}")
        s = cls(**entry)
        if s.kind not in ("drizzle", "sql", "sqlmodel", "alembic"):
            raise SystemExit(f"repos.toml: {s.name}: kind must be drizzle, sql, sqlmodel or alembic")
        return s

    @property
    def column(self) -> str:
        return self.tenancy.get("column", "tenant_id")

    @property
    def tenant_table(self) -> str:
        return self.tenancy.get("table", "tenants")

    @property
    def setting(self) -> str:
        return self.tenancy.get("setting", "app.tenant_id")

    @property
    def exempt(self) -> set[str]:
        return {self.tenant_table, *self.tenancy.get("exempt_tables", [])}


def load_repos(path: Path) -> dict[str, Settings]:
    data = tomllib.loads(path.read_text())
    out = {}
    for e in data.get("repo", []):
        s = Settings.from_entry(e)
        out[s.name] = s
    return out


# --------------------------------------------------------------------------
# PostgreSQL


def as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else cmd


class Cluster:
    """A throwaway PostgreSQL 15 cluster on a free loopback port, removed on exit."""

    def __init__(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise SystemExit(f"PostgreSQL 15 is not installed ({PG_BIN}/initdb missing)")
        self.root = Path(tempfile.mkdtemp(prefix="greyhaven-realworld-pg."))
        (self.root / "data").mkdir()
        (self.root / "sock").mkdir()
        if os.getuid() == 0:
            if subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--shell", "/bin/false", "postgres"], check=True)
            os.chmod(self.root, 0o755)
            subprocess.run(["chown", "-R", "postgres:", str(self.root)], check=True)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        run(as_pg([str(PG_BIN / "initdb"), "-D", str(self.root / "data"), "-U", "postgres",
                   "--auth=trust", "-E", "UTF8", "--no-locale"]))
        run(as_pg([str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-l",
                   str(self.root / "server.log"), "-w", "-t", "60", "-o",
                   f"-p {self.port} -k {self.root / 'sock'} -c listen_addresses=127.0.0.1 -c fsync=off",
                   "start"]))
        self.n = 0

    def stop(self) -> None:
        subprocess.run(as_pg([str(PG_BIN / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                              "immediate", "-w", "stop"]), capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def createdb(self) -> str:
        self.n += 1
        db = f"rw{self.n}"
        self.psql("postgres", sql=f"create database {db}", strict=True)
        return db

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def psql(self, db: str, sql: str | None = None, file: Path | None = None,
             strict: bool = False) -> tuple[str, list[str]]:
        """Runs SQL; returns (stdout, error lines). Tolerant unless strict:
        psql runs every statement and reports the failing ones."""
        cmd = [str(PG_BIN / "psql"), "-X", "-q", "-At", "-h", str(self.root / "sock"),
               "-p", str(self.port), "-U", "postgres", "-d", db,
               "-v", f"ON_ERROR_STOP={1 if strict else 0}"]
        cmd += ["-c", sql] if sql is not None else ["-f", str(file)]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        errors = [l for l in p.stderr.splitlines() if "ERROR:" in l]
        if strict and p.returncode != 0:
            raise RuntimeError(f"psql failed: {p.stderr.strip()}")
        return p.stdout, errors


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None,
        timeout: int = 600) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])}... exited {p.returncode}:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
    return p


SUPABASE_PRELUDE = (HERE / "supabase_prelude.sql")


# --------------------------------------------------------------------------
# building the database


def split_sql(text: str) -> list[str]:
    """Top-level statements of an SQL file: `--> statement-breakpoint` markers and
    `;` outside quotes, comments and dollar-quoted bodies."""
    text = text.replace("--> statement-breakpoint", ";")
    out, cur, i, n = [], [], 0, len(text)
    while i < n:
        ch = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            cur.append(text[i:j])
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            i = j
        elif ch in "'\"":
            j = i + 1
            while j < n:
                if text[j] == ch:
                    if j + 1 < n and text[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            cur.append(text[i:j + 1])
            i = j + 1
        elif ch == "$" and (m := re.match(r"\$[A-Za-z_0-9]*\$", text[i:])):
            tag = m.group(0)
            j = text.find(tag, i + len(tag))
            j = n if j < 0 else j + len(tag)
            cur.append(text[i:j])
            i = j
        elif ch == ";":
            out.append("".join(cur).strip())
            cur = []
            i += 1
        else:
            cur.append(ch)
            i += 1
    out.append("".join(cur).strip())
    return [s for s in out if re.sub(r"--[^\n]*", "", s).strip()]


def migration_files(root: Path, s: Settings) -> list[Path]:
    d = root / s.migrations
    if s.order == "journal":
        journal = json.loads((d / "meta" / "_journal.json").read_text())
        return [d / f"{e['tag']}.sql" for e in sorted(journal["entries"], key=lambda e: e["idx"])]
    return sorted(d.glob("*.sql"), key=lambda p: p.name)


EXTRA = re.compile(
    r"^\s*(alter\s+table\b.*\brow\s+level\s+security|create\s+policy|drop\s+policy|alter\s+policy"
    r"|create\s+(unique\s+)?index|drop\s+index|do\s)", re.I | re.S)


PRE = re.compile(r"^\s*(create\s+(or\s+replace\s+)?function|create\s+extension)\b", re.I)


def strip_comments(st: str) -> str:
    """The statement without its leading comment lines."""
    return re.sub(r"^(\s*--[^\n]*\n)*", "", st)


def node_dir(cache: Path, extra: list[str]) -> Path:
    """tests/realtools/node installed once into the cache (npm ci, pinned), plus
    the pinned packages a repository's schema files import (`npm` setting)."""
    src = REPO / "tests" / "realtools" / "node"
    for pkg in extra:
        if not re.fullmatch(r"(@[\w.-]+/)?[\w.-]+@\d+\.\d+\.\d+", pkg):
            raise RuntimeError(f"npm package {pkg!r} is not pinned as name@x.y.z")
    lock = (src / "package-lock.json").read_bytes() + "\n".join(extra).encode()
    d = cache / f"node-{hashlib.sha256(lock).hexdigest()[:12]}"
    if not (d / "node_modules" / ".bin" / "drizzle-kit").exists():
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / "package.json", d)
        shutil.copy(src / "package-lock.json", d)
        log("  npm ci (drizzle-kit, drizzle-orm) ...")
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=d)
        if extra:
            run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--loglevel=error", *extra], cwd=d)
    return d


def venv_dir(cache: Path, extra: list[str]) -> Path:
    reqs = (REPO / "tests" / "realtools" / "requirements.txt").read_text()
    pins = ["alembic==1.16.5", *extra]
    key = hashlib.sha256((reqs + "\n".join(pins)).encode()).hexdigest()[:12]
    d = cache / f"venv-{key}"
    if not (d / "bin" / "python").exists():
        log("  python -m venv + pip install ...")
        run([sys.executable, "-m", "venv", str(d)])
        run([str(d / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
             "-r", str(REPO / "tests" / "realtools" / "requirements.txt"), *pins], timeout=1200)
    return d


CREATE_ALL = """
import importlib, sys
from sqlalchemy import create_engine
sys.path.insert(0, sys.argv[1])
for m in sys.argv[3].split(","):
    if m:
        importlib.import_module(m)
mod, _, attr = sys.argv[2].partition(":")
obj = importlib.import_module(mod)
for part in attr.split("."):
    obj = getattr(obj, part)
obj.create_all(create_engine(sys.argv[4]))
print(len(obj.tables), "tables")
"""


ALEMBIC_ENV = """
import os
from alembic import context
from sqlalchemy import create_engine
with create_engine(os.environ["GREYHAVEN_REALWORLD_URL"]).connect() as conn:
    context.configure(connection=conn, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""


def build_db(cl: Cluster, db: str, root: Path, s: Settings, cache: Path, work: Path) -> list[str]:
    """Builds the database; returns the problems met (errors of statements)."""
    problems: list[str] = []
    for p in s.prelude:
        if p == "supabase":
            _, errs = cl.psql(db, file=SUPABASE_PRELUDE)
        else:
            _, errs = cl.psql(db, sql=p)
        problems += [f"prelude: {e}" for e in errs]
    url = cl.url(db)
    if s.kind == "drizzle":
        nd = node_dir(cache, s.npm)
        if not (root / "node_modules").exists():
            (root / "node_modules").symlink_to(nd / "node_modules")
        gen = []
        outputs = ""
        for n, g in enumerate(s.generate or [{"schema": s.schema, "casing": s.casing}]):
            out = work / f"generated{n}"
            cfg = root / "greyhaven-realworld.drizzle.config.ts"
            casing = f'  casing: "{g["casing"]}",\n' if g.get("casing") else ""
            cfg.write_text(
                'import { defineConfig } from "drizzle-kit";\n'
                f"export default defineConfig({{\n  schema: {json.dumps(g['schema'])},\n"
                f"  out: {json.dumps(str(out))},\n  dialect: \"postgresql\",\n{casing}}});\n")
            p = run([str(nd / "node_modules" / ".bin" / "drizzle-kit"), "generate", "--config", cfg.name],
                    cwd=root)
            cfg.unlink()
            outputs += p.stdout + p.stderr
            made = sorted(out.glob("*.sql"))
            if len(s.generate) > 1:
                for f in made:
                    for m in re.finditer(r'CREATE TABLE (?:IF NOT EXISTS )?(?:"[^"]+"\.)?"([^"]+)"',
                                         f.read_text()):
                        s.groups.setdefault(m.group(1), n)
            gen += made
        committed = ([st for f in migration_files(root, s) for st in split_sql(f.read_text())]
                     if s.migrations else [])
        # Functions and extensions of the committed migrations first: generated
        # policies may call them (bodies are checked when called, not now).
        pre = [st for st in committed if PRE.match(strip_comments(st))]
        if pre:
            f = work / "functions.sql"
            f.write_text("set check_function_bodies = off;\n" + "".join(st + ";\n" for st in pre))
            _, errs = cl.psql(db, file=f)
            problems += [f"migration functions: {e}" for e in errs]
        if not gen:
            raise RuntimeError(f"drizzle-kit generate produced no SQL:\n{outputs[-1500:]}")
        for f in gen:
            _, errs = cl.psql(db, file=f)
            problems += [f"generated {f.name}: {e}" for e in errs]
        if s.migrations:
            # Hand-written facts of the committed migrations (RLS, policies,
            # indexes, DO blocks), in order, each statement on its own.
            stmts = [st for st in committed if EXTRA.match(strip_comments(st))]
            extra = work / "extra.sql"
            extra.write_text("".join(st + ";\n" for st in stmts))
            _, errs = cl.psql(db, file=extra)
            problems += [f"migration extra: {e}" for e in errs]
    elif s.kind == "sql":
        for f in migration_files(root, s):
            _, errs = cl.psql(db, file=f)
            problems += [f"{f.name}: {e}" for e in errs]
    else:
        vd = venv_dir(cache, s.pip)
        py = str(vd / "bin" / "python")
        sa_url = url.replace("postgresql://", "postgresql+psycopg://")
        env = {**os.environ,
               **{k: v.replace("{sqlalchemy_url}", sa_url).replace("{url}", url) for k, v in s.env.items()},
               "PYTHONPATH": str(root / s.pythonpath)}
        if s.kind == "sqlmodel":
            p = run([py, "-c", CREATE_ALL, str(root / s.pythonpath), s.metadata, ",".join(s.models),
                     sa_url], cwd=root, env=env)
            log(f"  create_all: {p.stdout.strip()}")
        else:
            if s.alembic_env:
                (root / s.alembic_env).write_text(ALEMBIC_ENV)
                env["GREYHAVEN_REALWORLD_URL"] = sa_url
            run([str(vd / "bin" / "alembic"), "upgrade", "head"], cwd=root, env=env)
    return problems


# --------------------------------------------------------------------------
# the catalog

CATALOG = r"""
select coalesce(json_agg(t), '[]') from (
 select n.nspname as schema, c.relname as name, c.relrowsecurity as rls,
  coalesce((select json_agg(json_build_object('name', a.attname, 'num', a.attnum,
     'type', format_type(coalesce(nullif(ty.typbasetype, 0), a.atttypid), null),
     'notnull', a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid),
     'identity', a.attidentity <> '') order by a.attnum)
   from pg_attribute a join pg_type ty on ty.oid = a.atttypid
   left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped), '[]') as columns,
  coalesce((select json_agg(json_build_object('name', co.conname, 'type', co.contype,
     'cols', (select json_agg(a.attname order by k.ord) from unnest(co.conkey) with ordinality k(num, ord)
              join pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.num),
     'ftable', (select fc.relname from pg_class fc where fc.oid = co.confrelid)))
   from pg_constraint co where co.conrelid = c.oid), '[]') as constraints,
  coalesce((select json_agg(json_build_object('name', ic.relname, 'unique', i.indisunique,
     'primary', i.indisprimary,
     'cols', (select json_agg(a.attname order by k.ord) from unnest(i.indkey::int2[]) with ordinality k(num, ord)
              left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.num
              where k.ord <= i.indnkeyatts),
     'pred', pg_get_expr(i.indpred, i.indrelid)))
   from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = c.oid and i.indisvalid), '[]') as indexes,
  coalesce((select json_agg(json_build_object('name', p.polname, 'using', pg_get_expr(p.polqual, p.polrelid),
     'check', pg_get_expr(p.polwithcheck, p.polrelid)))
   from pg_policy p where p.polrelid = c.oid), '[]') as policies
 from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and not c.relispartition
   and n.nspname not like 'pg\_%' and n.nspname <> all (%(platform)s)
   and c.relname <> 'alembic_version'
 order by 1, 2
) t
"""


def read_catalog(cl: Cluster, db: str) -> list[dict]:
    arr = "array[" + ",".join(f"'{s}'" for s in sorted(PLATFORM_SCHEMAS)) + "]::name[]"
    out, _ = cl.psql(db, sql=CATALOG.replace("%(platform)s", arr), strict=True)
    return json.loads(out)


def strip_parens(e: str) -> str:
    e = e.strip()
    while e.startswith("(") and e.endswith(")") and balanced(e[1:-1]):
        e = e[1:-1].strip()
    return e


def balanced(e: str) -> bool:
    depth, q = 0, False
    for ch in e:
        if ch == "'":
            q = not q
        elif q:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def split_top(e: str, op: str) -> list[str]:
    """Splits at ` op ` outside parentheses and quotes."""
    parts, depth, q, start, i = [], 0, False, 0, 0
    needle = f" {op} "
    while i < len(e):
        ch = e[i]
        if ch == "'":
            q = not q
        elif not q:
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif depth == 0 and e.startswith(needle, i):
                parts.append(e[start:i])
                i += len(needle)
                start = i
                continue
        i += 1
    parts.append(e[start:])
    return parts


def strip_casts(e: str) -> str:
    e = strip_parens(e)
    while True:
        m = re.fullmatch(r"(.*)::[a-z_ ]+(\[\])?", e, re.S)
        if not m or not balanced(m.group(1)):
            return e
        e = strip_parens(m.group(1))


def isolates(expr: str | None, table: str, tenant_col: str, setting: str) -> bool:
    """Whether a policy expression (as pg_get_expr prints it) compares the tenant
    column with current_setting('<setting>'): a conjunct `col = <current_setting(...)>`."""
    if not expr:
        return False
    e = strip_parens(expr)
    if len(split_top(e, "OR")) > 1:
        return False
    col = re.compile(rf'^(("?{re.escape(table)}"?)\.)?"?{re.escape(tenant_col)}"?$')
    setting_call = re.compile(rf"current_setting\('{re.escape(setting)}'(::text)?(, (true|false))?\)")
    for conj in split_top(e, "AND"):
        conj = strip_parens(conj)
        sides = split_top(conj, "=")
        if len(sides) != 2:
            continue
        for a, b in (sides, sides[::-1]):
            if col.match(strip_casts(a)) and setting_call.search(b) and not re.search(r"\bOR\b", b):
                return True
    return False


def type_kind(ty: str) -> str:
    """uuid / int / text / the type itself: what foreign-key-explicit calls compatible."""
    if ty == "uuid":
        return "uuid"
    if ty in ("smallint", "integer", "bigint"):
        return "int"
    if ty == "text" or ty.startswith(("character", "varchar")):
        return "text"
    return ty


def fk_target(t: dict, x: str, sn: str, col: dict, tables: list[dict],
              groups: dict | None = None) -> str | None:
    """foreign-key-explicit's confident target of `<x>_id`: exactly one table named
    x, xs, xes or xies (any schema) whose one-column primary key has a compatible
    type, else with one unique column of a compatible type whose name ends the
    column's; not the column's own table unless it is `parent_id`; of
    the same drizzle-kit config when there are several (another database)."""
    if sn == "parent_id":
        cands = [t]
    else:
        want = {x, x + "s", x + "es", x + "ies", x[:-1] + "ies"}
        cands = [u for u in tables if u["name"] in want
                 and (groups or {}).get(u["name"]) == (groups or {}).get(t["name"])]
        if len(cands) != 1 or cands[0] is t:
            return None
    u = cands[0]
    kind = type_kind(col["type"])
    types = {c["name"]: type_kind(c["type"]) for c in u["columns"]}
    pk = next((k["cols"] for k in u["constraints"] if k["type"] == "p"), None) or []
    if len(pk) == 1 and types.get(pk[0]) == kind:
        return u["name"]
    # Else the only unique column of a compatible type whose name ends the
    # column's (`onnx_model_id` -> onnx_models.model_id).
    keyed = {c for k in u["constraints"] if k["type"] == "u" and len(k["cols"] or []) == 1
             for c in k["cols"]}
    keyed |= {i["cols"][0] for i in u["indexes"] if i["unique"] and len(i["cols"] or []) == 1
              and not i["pred"]}
    keyed -= set(pk)
    ok = [k for k in keyed if types.get(k) == kind
          and (sn == to_snake(k) or sn.endswith("_" + to_snake(k)))]
    return u["name"] if len(ok) == 1 else None


NATURE_WORDS = {"token", "hash", "digest", "secret", "nonce", "signature", "fingerprint", "salt",
                "otp", "idempotency", "dedup", "dedupe", "provider", "external", "oauth", "sub",
                "uid"}


def unique_by_nature(t: dict, name: str | None, tables: list[dict], s: Settings) -> bool:
    """tenant-scoped-unique leaves a constraint alone when one of its columns is
    unique by nature (see that rule's documentation): the primary key, uuid /
    serial / identity columns, ids, secrets and digests, idempotency keys,
    provider ids, a foreign key to a table with the tenant column, a
    `global_unique` glob."""
    if name is None:
        return False
    col = next((c for c in t["columns"] if c["name"] == name), None)
    if col is None:
        return False
    sn = to_snake(name)
    words = set(sn.split("_"))
    pk = next((k["cols"] for k in t["constraints"] if k["type"] == "p"), None) or []
    default = col["default"] or ""
    if (name in pk or col["type"] == "uuid" or col["identity"] or default.startswith("nextval(")
            or sn in ("id", "uuid", "guid") or re.fullmatch(r".+_(id|uuid)", sn)
            or words & NATURE_WORDS or "api_key" in sn or "apikey" in sn):
        return True
    if any(fnmatch.fnmatch(sn, g) for g in s.tenancy.get("global_unique", [])):
        return True
    for fk in t["constraints"]:
        if fk["type"] == "f" and name in (fk["cols"] or []):
            target = next((u for u in tables if u["name"] == fk["ftable"]), None)
            if target and any(to_snake(c["name"]) == s.column for c in target["columns"]):
                return True
    return False


def audit(tables: list[dict], s: Settings) -> dict[tuple, str]:
    """The findings the catalog shows: {(rule, table, column): why}."""
    found: dict[tuple, str] = {}
    names = {t["name"] for t in tables}
    py = s.kind in PY_KINDS
    tc_name = s.column

    def add(rule: str, table: str, column: str, why: str) -> None:
        if rule in s.skip_rules:
            return
        key = (rule, table, column if DB_RULES[rule] == "column" else "")
        found.setdefault(key, why)

    for t in tables:
        tname = t["name"] if t["schema"] == "public" else f"{t['schema']}.{t['name']}"
        cols = {c["name"]: c for c in t["columns"]}
        by_snake = {to_snake(c["name"]): c for c in t["columns"]}
        exempt = t["name"] in s.exempt
        tc = by_snake.get(tc_name)
        fks = [c for c in t["constraints"] if c["type"] == "f"]
        pk_cols = next((c["cols"] for c in t["constraints"] if c["type"] == "p"), None) or []
        idx = t["indexes"]

        def ts_type(c: dict) -> bool:
            return c["type"].startswith("timestamp")

        if not is_snake(t["name"]):
            add("snake-case-table", tname, "", f"table name {t['name']!r}")
        for c in t["columns"]:
            sn = to_snake(c["name"])
            if not is_snake(c["name"]):
                add("snake-case-column", tname, c["name"], f"column name {c['name']!r}")
            if sn == "email" or sn.endswith("_email"):
                add("email-column-name", tname, c["name"], f"email column {c['name']!r}")
            if c["type"] == "boolean" and not re.match(r"(is|has|can)_", sn):
                add("boolean-prefix", tname, c["name"], "boolean without is_/has_/can_")
            m = re.fullmatch(r"(.+)_id", sn)
            if (m and sn != tc_name and not any(c["name"] in (fk["cols"] or []) for fk in fks)
                    and c["name"] not in pk_cols):
                target = fk_target(t, m.group(1), sn, c, tables, s.groups)
                if target:
                    add("foreign-key-explicit", tname, c["name"], f"{c['type']} without FK to {target}")
        # require-uuid-primary-key
        idc = by_snake.get("id")
        pk = next((c for c in t["constraints"] if c["type"] == "p"), None)
        if idc is None:
            add("require-uuid-primary-key", tname, "", "no id column")
        elif idc["type"] != "uuid":
            add("require-uuid-primary-key", tname, "", f"id is {idc['type']}")
        elif not pk or pk["cols"] != [idc["name"]]:
            add("require-uuid-primary-key", tname, "", f"primary key is {pk and pk['cols']}")
        elif not py and not idc["default"] and not any(fk["cols"] == [idc["name"]] for fk in fks):
            # An id that is a foreign key (a one-to-one extension of another
            # table, `auth.users`) takes its value from there: no default.
            add("require-uuid-primary-key", tname, "", "id has no default")
        # require-timestamps
        for want in ("created_at", "updated_at"):
            c = by_snake.get(want)
            if c is None:
                add("require-timestamps", tname, want, "missing")
            elif not ts_type(c) or not c["notnull"] or (not py and not c["default"]):
                add("require-timestamps", tname, c["name"],
                    f"{c['type']} notnull={c['notnull']} default={c['default']}")
        c = by_snake.get("deleted_at")
        if c is None or c["notnull"] or not ts_type(c):
            add("soft-delete-column", tname, c["name"] if c else "deleted_at", "missing or wrong")

        def serves(i: dict, col: str, second_after: str | None = None) -> bool:
            pred = i["pred"]
            if pred and strip_parens(pred) not in (f"{col} IS NOT NULL", f'"{col}" IS NOT NULL'):
                return False
            ic = i["cols"] or []
            if ic and ic[0] == col:
                return True
            return second_after is not None and len(ic) > 1 and ic[0] == second_after and ic[1] == col

        # index-foreign-keys (every table)
        for fk in fks:
            rest = [c for c in fk["cols"] if not tc or c != tc["name"]]
            if rest and not any(serves(i, rest[0], tc["name"] if tc else None) for i in idx):
                add("index-foreign-keys", tname, rest[0], f"FK {fk['name']} unindexed")
        if exempt:
            continue
        if tc is None:
            add("require-tenant-id", tname, "", f"no {tc_name} column")
        else:
            if not tc["notnull"]:
                add("tenant-id-not-null", tname, tc["name"], "nullable")
            if tc["type"] != "uuid":
                add("tenant-id-type", tname, tc["name"], tc["type"])
            if not any(tc["name"] in fk["cols"] and fk["ftable"] == s.tenant_table for fk in fks):
                add("tenant-id-foreign-key", tname, tc["name"], "no FK to the tenant table")
            if not any((i["cols"] or [None])[0] == tc["name"] and not i["pred"] for i in idx):
                add("index-tenant-id", tname, "", "no index led by the tenant column")
            for i in idx:
                icols = i["cols"] or []
                if (i["unique"] and not i["primary"] and tc["name"] not in icols
                        and not any(unique_by_nature(t, c, tables, s) for c in icols)):
                    key = ",".join(sorted(c or "(expression)" for c in icols))
                    add("tenant-scoped-unique", tname, key, f"unique index {i['name']}")
        if not t["rls"]:
            add("enable-rls", tname, "", "RLS disabled")
        elif tc is not None:
            if not any(isolates(p["using"] or p["check"], t["name"], tc["name"], s.setting)
                       for p in t["policies"]):
                add("tenant-isolation-policy", tname, "", f"{len(t['policies'])} policies, none isolates")
    return found


# --------------------------------------------------------------------------
# greyhaven-lsp check


def greyhaven_toml(s: Settings) -> str:
    t = s.tenancy
    lines = ["# written by tests/realworld/realworld.py into a temporary copy", "[tenancy]"]
    lines.append(f"column = {json.dumps(s.column)}")
    lines.append(f"table = {json.dumps(s.tenant_table)}")
    lines.append(f"setting = {json.dumps(s.setting)}")
    lines.append(f"exempt_tables = {json.dumps(sorted(s.exempt))}")
    if t.get("global_unique"):
        lines.append(f"global_unique = {json.dumps(t['global_unique'])}")
    if s.drizzle_casing_override:
        lines += ["[drizzle]", f"casing = {json.dumps(s.drizzle_casing_override)}"]
    del t
    return "\n".join(lines) + "\n"


def run_check(bin_: Path, root: Path, s: Settings) -> tuple[dict[tuple, dict], list[dict], int]:
    """check's findings of the DB-visible rules keyed like audit(); plus the
    findings set aside as not visible in the catalog, and files_checked."""
    (root / "greyhaven.toml").write_text(greyhaven_toml(s))
    p = subprocess.run([str(bin_), "check", "--format", "json", s.check_path], cwd=root,
                       capture_output=True, text=True, timeout=300)
    if p.returncode > 1:
        raise RuntimeError(f"check exited {p.returncode}: {p.stderr[-2000:]}")
    doc = json.loads(p.stdout)
    found: dict[tuple, dict] = {}
    invisible: list[dict] = []
    for d in doc["diagnostics"]:
        rule = d["rule"]
        if rule == "index-outside-table":
            # The index Drizzle Kit ignores: one finding in the source, the
            # table's index rule in the catalog (see compare()).
            found.setdefault((rule, d.get("table") or "", ""), d)
            continue
        if rule not in DB_RULES or rule in s.skip_rules:
            continue
        table = d.get("table") or ""
        col = d.get("column") or ""
        if rule == "snake-case-column" and is_snake(col):
            invisible.append(d)  # a key/attribute name: the catalog cannot see it
            continue
        if rule == "snake-case-table" and is_snake(table.split(".")[-1]):
            invisible.append(d)  # a class-derived name such as `orderline`
            continue
        if rule == "tenant-scoped-unique" and not col:
            m = re.search(r"\(([^)]*)\) does not include", d["message"])
            col = ",".join(sorted(x.strip() for x in m.group(1).split(","))) if m else "?"
        key = (rule, table, col if DB_RULES[rule] == "column" else "")
        found.setdefault(key, d)
    return found, invisible, doc.get("files_checked", 0)


# --------------------------------------------------------------------------
# comparison


@dataclass
class Result:
    name: str
    tables: int = 0
    files_checked: int = 0
    tp: list = field(default_factory=list)
    fp: list = field(default_factory=list)
    fn: list = field(default_factory=list)
    invisible: int = 0
    build_problems: list = field(default_factory=list)
    error: str = ""


def compare(name: str, db: dict[tuple, str], chk: dict[tuple, dict], tables: list[dict]) -> Result:
    r = Result(name)
    public = {t["name"] for t in tables if t["schema"] == "public"}
    qualified: dict[str, list[str]] = {}
    for t in tables:
        if t["schema"] != "public":
            qualified.setdefault(t["name"], []).append(f"{t['schema']}.{t['name']}")
    norm: dict[tuple, dict] = {}
    for (rule, table, col), d in chk.items():
        if "." not in table and table not in public and len(qualified.get(table, [])) == 1:
            table = qualified[table][0]  # check names the table without its schema
        norm[(rule, table, col)] = d
    all_tables = public | {q for qs in qualified.values() for q in qs}
    # An index exported outside its table is reported as index-outside-table
    # only (one mistake, one finding); the database just lacks the index.
    outside = {t for (rule, t, _c) in norm if rule == "index-outside-table"}
    norm = {k: d for k, d in norm.items() if k[0] != "index-outside-table"}
    for key, d in sorted(norm.items()):
        if key in db:
            r.tp.append(key)
        else:
            why = "table not in the database" if key[1] not in all_tables else "database satisfies the rule"
            r.fp.append((*key, why, d["message"], f"{d['path']}:{d['start']['line']}"))
    # A column defined once in a shared column set / base class is reported once,
    # on one table: the other tables' catalog findings of the same rule and
    # column count as found.
    reported = {(rule, col) for (rule, _t, col) in norm if col}
    # One mistake, one finding: a column whose name is not snake_case gets
    # snake-case-column only, and its suggested name also fixes the email and
    # boolean names (`govIqEnabled` -> `is_gov_iq_enabled`).
    renamed = {(t, col) for (rule, t, col) in norm if rule == "snake-case-column"}
    for key, why in sorted(db.items()):
        if key in norm:
            continue
        rule, _t, col = key
        if DB_RULES[rule] == "column" and (rule, col) in reported and rule in (
                "snake-case-column", "email-column-name", "boolean-prefix"):
            r.tp.append(key)
        elif rule in ("email-column-name", "boolean-prefix") and (_t, col) in renamed:
            r.tp.append(key)
        elif rule in ("index-foreign-keys", "index-tenant-id") and _t in outside:
            r.tp.append(key)
        else:
            r.fn.append((*key, why))
    return r


def measure(s: Settings, checkout: Path, bins: list[Path], cl: Cluster, cache: Path) -> list[Result]:
    """One result per binary: every binary checks the same copy, against one database."""
    with tempfile.TemporaryDirectory(prefix="greyhaven-realworld.") as tmp:
        work = Path(tmp)
        copy = work / "src"
        shutil.copytree(checkout, copy, symlinks=True,
                        ignore=shutil.ignore_patterns(".git", "node_modules", "greyhaven.toml"))
        root = copy / s.root
        checks = [run_check(b, root, s) for b in bins]
        db = cl.createdb()
        try:
            problems = build_db(cl, db, root, s, cache, work)
        except Exception as e:  # noqa: BLE001 - reported per repository
            return [Result(s.name, error=f"database build failed: {e}") for _ in bins]
        tables = read_catalog(cl, db)
        found = audit(tables, s)
        out = []
        for chk, invisible, files in checks:
            r = compare(s.name, found, chk, tables)
            r.tables, r.files_checked, r.invisible, r.build_problems = (
                len(tables), files, len(invisible), problems)
            out.append(r)
        return out


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f}%" if b else "    -"


def report(results: list[Result], out=sys.stdout) -> dict:
    per: dict[str, list[int]] = {r: [0, 0, 0] for r in DB_RULES}
    for res in results:
        print(f"\n== {res.name}", file=out)
        if res.error:
            print(f"  ERROR {res.error}", file=out)
            continue
        print(f"  {res.tables} tables in the database, {res.files_checked} files checked, "
              f"TP {len(res.tp)} FP {len(res.fp)} FN {len(res.fn)}, "
              f"{res.invisible} findings not visible in the catalog", file=out)
        if not res.tp and not res.fp and res.fn:
            print(f"  FALSE ALL-CLEAR: check reports nothing the catalog shows; the database breaks "
                  f"the standards {len(res.fn)} times", file=out)
        for p in res.build_problems[:15]:
            print(f"  build: {p}", file=out)
        if len(res.build_problems) > 15:
            print(f"  build: ... {len(res.build_problems) - 15} more", file=out)
        for rule, table, col, why, msg, at in res.fp:
            print(f"  FP {rule} {table}{'.' + col if col else ''}: {why} -- {at}: {msg}", file=out)
        for rule, table, col, why in res.fn:
            print(f"  FN {rule} {table}{'.' + col if col else ''}: {why}", file=out)
        for k in res.tp:
            per[k[0]][0] += 1
        for k in res.fp:
            per[k[0]][1] += 1
        for k in res.fn:
            per[k[0]][2] += 1
    print(f"\n{'rule':28} {'TP':>5} {'FP':>5} {'FN':>5} {'precision':>10} {'recall':>8}", file=out)
    tot = [0, 0, 0]
    for rule, (tp, fp, fn) in per.items():
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
        print(f"{rule:28} {tp:5} {fp:5} {fn:5} {pct(tp, tp + fp):>10} {pct(tp, tp + fn):>8}", file=out)
    tp, fp, fn = tot
    print(f"{'overall':28} {tp:5} {fp:5} {fn:5} {pct(tp, tp + fp):>10} {pct(tp, tp + fn):>8}", file=out)
    return {"per_rule": per, "overall": tot,
            "repos": [{"name": r.name, "error": r.error, "tables": r.tables, "tp": r.tp, "fp": r.fp,
                       "fn": r.fn, "build_problems": r.build_problems} for r in results]}


def markdown(doc: dict) -> str:
    """The per-rule table and the per-repository counts as Markdown."""
    rows = ["| rule | TP | FP | FN | precision | recall |", "|---|---:|---:|---:|---:|---:|"]
    for rule, (tp, fp, fn) in doc["per_rule"].items():
        rows.append(f"| {rule} | {tp} | {fp} | {fn} | {pct(tp, tp + fp).strip()} | {pct(tp, tp + fn).strip()} |")
    tp, fp, fn = doc["overall"]
    rows.append(f"| **overall** | **{tp}** | **{fp}** | **{fn}** | **{pct(tp, tp + fp).strip()}** "
                f"| **{pct(tp, tp + fn).strip()}** |")
    rows += ["", "| repository | tables | TP | FP | FN |", "|---|---:|---:|---:|---:|"]
    for r in doc["repos"]:
        if r["error"]:
            rows.append(f"| {r['name']} | error: {r['error'][:80]} | | | |")
        else:
            rows.append(f"| {r['name']} | {r['tables']} | {len(r['tp'])} | {len(r['fp'])} | {len(r['fn'])} |")
    return "\n".join(rows) + "\n"


# --------------------------------------------------------------------------
# self-test (cheap, CI): the audit against expectations written in SQL, and the
# whole pipeline on the repository's own examples/drizzle-app migrations.


def selftest(bin_: Path, cache: Path) -> int:
    failures = []
    cl = Cluster()
    try:
        fixture = HERE / "selftest" / "catalog.sql"
        text = fixture.read_text()
        want = set()
        for m in re.finditer(r"--\s*expect:\s*(\S+)\s+(\S+)[ \t]*(\S*)", text):
            rule, table, col = m.groups()
            want.add((rule, table, col))
        s = Settings(name="selftest", kind="sql", tenancy={"column": "tenant_id", "table": "tenants",
                                                           "setting": "app.tenant_id"})
        db = cl.createdb()
        _, errs = cl.psql(db, file=fixture)
        if errs:
            failures.append(f"selftest catalog.sql: {errs}")
        got = set(audit(read_catalog(cl, db), s))
        for k in sorted(want - got):
            failures.append(f"audit missed {k}")
        for k in sorted(got - want):
            failures.append(f"audit found unexpected {k}")
        # The pipeline end to end on examples/drizzle-app (its committed SQL in
        # journal order), against the expected report.
        ex = Settings.from_entry(tomllib.loads((HERE / "selftest" / "examples.toml").read_text())["repo"][0])
        [r] = measure(ex, REPO / "examples", [bin_], cl, cache)
        import io
        buf = io.StringIO()
        report([r], out=buf)
        exp_path = HERE / "selftest" / "examples.expected"
        if os.environ.get("REALWORLD_UPDATE") == "1":
            exp_path.write_text(buf.getvalue())
        expected = exp_path.read_text() if exp_path.exists() else ""
        if buf.getvalue() != expected:
            import difflib
            failures.append("examples report differs from selftest/examples.expected "
                            "(REALWORLD_UPDATE=1 rewrites it):\n" + "".join(
                                difflib.unified_diff(expected.splitlines(True), buf.getvalue().splitlines(True),
                                                     "expected", "actual")))
    finally:
        cl.stop()
    for f in failures:
        print(f"realworld selftest: FAIL {f}")
    if not failures:
        print("realworld selftest: 2 passed, 0 failed")
    return 1 if failures else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", default="measure", choices=["measure", "selftest"])
    ap.add_argument("--repos", type=Path, default=HERE / "repos.toml")
    ap.add_argument("--checkouts", type=Path)
    ap.add_argument("--checkout", type=Path)
    ap.add_argument("--name")
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--bin", type=Path, action="append",
                    help="the greyhaven-lsp binary (default target/debug); give several to compare "
                         "them on the same databases")
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get(
        "REALWORLD_CACHE", Path.home() / ".cache" / "greyhaven-realworld")))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--markdown", type=Path, help="also write the per-rule table as Markdown")
    a = ap.parse_args()
    default_bin = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "debug" / "greyhaven-lsp"
    bins = [b.resolve() for b in (a.bin or [default_bin])]
    for b in bins:
        if not b.exists():
            raise SystemExit(f"no greyhaven-lsp binary at {b} (cargo build --all-targets first)")
    a.cache.mkdir(parents=True, exist_ok=True)
    if a.mode == "selftest":
        return selftest(bins[0], a.cache)
    repos = load_repos(a.repos)
    if a.checkout:
        if not a.name or a.name not in repos:
            raise SystemExit("--checkout needs --name of an entry in --repos")
        todo = [(repos[a.name], a.checkout)]
    elif a.checkouts:
        todo = [(s, a.checkouts / s.name.replace("/", "+")) for s in repos.values()
                if not a.only or s.name in a.only]
    else:
        raise SystemExit("give --checkouts DIR or --checkout PATH --name NAME")
    cl = Cluster()
    results: list[list[Result]] = [[] for _ in bins]
    try:
        for s, path in todo:
            log(f"-- {s.name} ({s.kind}) at {path}")
            if not path.is_dir():
                rs = [Result(s.name, error=f"no checkout at {path}") for _ in bins]
            else:
                try:
                    rs = measure(s, path, bins, cl, a.cache)
                except Exception as e:  # noqa: BLE001 - one repository's failure is reported, the rest go on
                    rs = [Result(s.name, error=str(e)[:3000]) for _ in bins]
            for i, r in enumerate(rs):
                results[i].append(r)
    finally:
        cl.stop()
    docs = {}
    for b, res in zip(bins, results):
        if len(bins) > 1:
            print(f"\n######## {b}")
        docs[str(b)] = report(res)
    doc = docs[str(bins[0])] if len(bins) == 1 else docs
    if a.json:
        a.json.write_text(json.dumps(doc, indent=1, default=list))
    if a.markdown:
        a.markdown.write_text("".join((f"#### `{b}`\n\n" if len(bins) > 1 else "") + markdown(d) + "\n"
                                      for b, d in docs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
