#!/usr/bin/env python3
"""`check --database-url` against a throwaway PostgreSQL 15 (issue 12, items 7-10).

Starts a cluster (tests/realworld's Cluster: initdb + pg_ctl on a free loopback
port, as `postgres` when run as root), applies examples/drizzle-app's
migrations in journal order, and checks, printing one line per check:

* audit: the database-only audit reports what the source check reports on the
  rules the catalog can show (the same (rule, table, column) set; the one
  finding the source suppresses with a comment is expected from the database);
* clean drift: source and the database built from its migrations agree;
* drift: an index dropped, `DISABLE ROW LEVEL SECURITY` and a `USING (true)`
  policy added in the database only are reported by `schema-drift` where the
  source declares them, and the database audit reports them through its rules;
* read-only: the written-tuple counters of pg_stat_database and
  pg_stat_user_tables do not move during a check (and do move for a control
  write, so the measurement can fail), and the server log shows the check's
  session ran START TRANSACTION READ ONLY, SET LOCAL statement_timeout and
  SELECTs only;
* credentials: a user and password in the URL appear nowhere in stdout or
  stderr, for a good and an unreachable database; unreachable is exit 2 with
  no report on stdout;
* timeout: a catalog query blocked by a lock ends with exit 2 and a statement
  timeout message within the configured timeout;
* sqlmodel-app: its Alembic revisions applied by the real `alembic upgrade
  head` (pinned in tests/live/requirements.txt, installed into a venv beside
  the binary), then the same audit-equals-source and no-drift checks, and
  drift of what the database alone changes in depth (a column's type and
  nullability, an index's columns, a policy's USING, FORCE ROW LEVEL SECURITY);
  and a copy fixed with `check --fix --unsafe-fixes` migrated by the real
  alembic: the revisions the fixes wrote form one chain, and PostgreSQL
  forces RLS and holds the isolation policy the fixes asked for;
* TLS: the cluster is switched to `ssl=on` with a certificate signed by a CA
  made with openssl: `verify-full` with `sslrootcert=` that CA connects (and
  the server logs the connection as encrypted), without it or with another CA
  fails with a clear message, `verify-ca` ignores the host name and
  `verify-full` does not, `require` encrypts without checking unless given a
  `sslrootcert`, and an unreadable `sslrootcert` is exit 2 naming the file.

    live.py --bin PATH

Exits 0 when PostgreSQL 15 is not installed and CI is not set (with a SKIP
line); under CI a missing PostgreSQL fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import re
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "realworld"))
import realworld  # noqa: E402  (the shared throwaway-cluster helper)

APP = REPO / "examples" / "drizzle-app"
SQLMODEL_APP = REPO / "examples" / "sqlmodel-app"
REQUIREMENTS = HERE / "requirements.txt"

# The example's alembic/env.py imports its models for autogenerate, and one
# model is deliberately broken (`__table_args__` that is not a tuple:
# table-args-tuple's finding), so SQLAlchemy refuses to import it. Running
# revisions needs no metadata: the test runs them with this env.py instead.
ALEMBIC_ENV = """\
import os

from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""

# Rules whose findings a catalog can show (tests/realworld's DB_RULES plus the
# policy and index rules that read what the database stores).
DB_VISIBLE = set(realworld.DB_RULES) | {"rls-initplan", "index-naming"}

# What the source leaves out on purpose and the database cannot: the
# `greyhaven-ignore` comment in audit.ts suppresses this one.
SUPPRESSED_IN_SOURCE = {("require-timestamps", "audit_events", "updated_at")}

results: list[tuple[str, bool, str]] = []


def record(name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail and not ok else ''}", flush=True)


def check(bin_: Path, args: list[str], env_url: str | None = None, cwd: Path | None = None):
    env = {k: v for k, v in os.environ.items() if k != "GREYHAVEN_DATABASE_URL"}
    if env_url is not None:
        env["GREYHAVEN_DATABASE_URL"] = env_url
    t0 = time.monotonic()
    p = subprocess.run([str(bin_), "check", *args], capture_output=True, text=True,
                       timeout=120, env=env, cwd=cwd)
    return p, time.monotonic() - t0


def findings(stdout: str) -> list[dict]:
    return json.loads(stdout)["diagnostics"]


# Findings matched by (rule, table): a unique constraint is a table-level
# constraint in the catalog, so its finding names no column there.
TABLE_KEYED = {"tenant-scoped-unique"}


def keyed(diags: list[dict]) -> set[tuple]:
    return {(d["rule"], d.get("table") or "",
             "" if d["rule"] in TABLE_KEYED else d.get("column") or "")
            for d in diags if d["rule"] in DB_VISIBLE}


def written(cl, db: str) -> tuple[int, int]:
    """(pg_stat_database written tuples, pg_stat_user_tables written tuples)."""
    out, _ = cl.psql(db, sql=(
        "select pg_stat_clear_snapshot();"
        f" select tup_inserted + tup_updated + tup_deleted from pg_stat_database where datname = '{db}';"
        " select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del + n_tup_hot_upd), 0) from pg_stat_user_tables;"),
        strict=True)
    vals = [int(x) for x in out.split() if x.strip().lstrip("-").isdigit()]
    return vals[-2], vals[-1]


def settle(cl, db: str) -> tuple[int, int]:
    """Counters once they stop moving (backends flush statistics when they end)."""
    last = written(cl, db)
    for _ in range(20):
        time.sleep(0.3)
        now = written(cl, db)
        if now == last:
            return now
        last = now
    return last


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, type=Path)
    a = ap.parse_args()
    if not (realworld.PG_BIN / "initdb").exists():
        msg = f"PostgreSQL 15 is not installed ({realworld.PG_BIN}/initdb missing)"
        if os.environ.get("CI"):
            print(f"FAIL {msg}; .ci/run installs postgresql-15", file=sys.stderr)
            return 1
        print(f"SKIP tests/live: {msg}")
        return 0
    cl = realworld.Cluster()
    work = Path(tempfile.mkdtemp(prefix="greyhaven-live."))
    try:
        return run_all(a.bin.resolve(), cl, work)
    finally:
        cl.stop()
        shutil.rmtree(work, ignore_errors=True)


def build_app_db(cl, db: str) -> None:
    journal = json.loads((APP / "drizzle" / "meta" / "_journal.json").read_text())
    for e in journal["entries"]:
        cl.psql(db, file=APP / "drizzle" / f"{e['tag']}.sql", strict=True)


def run_all(bin_: Path, cl, work: Path) -> int:
    db = cl.createdb()
    build_app_db(cl, db)
    url = cl.url(db)
    empty = work / "no-source"
    empty.mkdir()
    config = ["--config", str(APP / "greyhaven.toml")]

    # --- the database-only audit matches the source check -------------------
    src, _ = check(bin_, ["--format", "json", str(APP)])
    audit, _ = check(bin_, ["--format", "json", *config, str(empty)], env_url=url)
    ok = audit.returncode in (0, 1) and src.returncode in (0, 1)
    record("audit runs", ok, audit.stderr[-800:] + src.stderr[-800:])
    if not ok:
        return summary()
    a_diags = findings(audit.stdout)
    want = keyed(findings(src.stdout)) | SUPPRESSED_IN_SOURCE
    got = keyed(a_diags)
    # An index exported outside its table (Drizzle Kit ignores it) is reported
    # in the source as index-outside-table only (one mistake, one finding); the
    # database just lacks the index, so the audit reports the index rule of
    # that table's column instead.
    outside = {d.get("table") or "" for d in findings(src.stdout)
               if d["rule"] == "index-outside-table"}
    want |= {k for k in got - want
             if k[0] in ("index-foreign-keys", "index-tenant-id") and k[1] in outside}
    record("audit = source on DB-visible rules", want == got,
           f"only in source {sorted(want - got)}; only in database {sorted(got - want)}")
    paths = {d["path"] for d in a_diags}
    record("audit findings anchor on the pseudo-path", paths == {f"postgres://127.0.0.1:{cl.port}/{db}"},
           str(paths))
    pseudo = f"postgres://127.0.0.1:{cl.port}/{db}"
    for fmt, shown in (("human", pseudo), ("sarif", pseudo),
                       ("github", pseudo.replace(":", "%3A"))):  # workflow commands escape ':'
        p, _ = check(bin_, ["--format", fmt, *config, str(empty)], env_url=url)
        record(f"audit in {fmt} format names the pseudo-path",
               p.returncode == 1 and shown in p.stdout, p.stderr[-500:] + p.stdout[:300])

    # --- drift: none when the database is built from the source -------------
    clean, _ = check(bin_, ["--format", "json", str(APP)], env_url=url)
    drift = [d for d in findings(clean.stdout) if d["rule"] == "schema-drift"] if clean.stdout else []
    record("no drift on the database the migrations built", clean.returncode in (0, 1) and not drift,
           json.dumps(drift)[:1500] + clean.stderr[-500:])
    rest = sorted((d["rule"], d["path"], d["start"]["line"]) for d in findings(clean.stdout) if d["rule"] != "schema-drift")
    base = sorted((d["rule"], d["path"], d["start"]["line"]) for d in findings(src.stdout))
    record("with a database, the source findings stay the same", rest == base, f"{rest} != {base}")

    # --- read-only: counters do not move --------------------------------------
    cl.psql("postgres", sql="alter system set log_statement = 'all'", strict=True)
    cl.psql("postgres", sql="alter system set log_line_prefix = '%a|'", strict=True)
    cl.psql("postgres", sql="select pg_reload_conf()", strict=True)
    before = settle(cl, db)
    for _ in range(2):
        check(bin_, ["--format", "json", str(APP)], env_url=url)
        check(bin_, ["--format", "json", *config, str(empty)], env_url=url)
    after = settle(cl, db)
    record("no tuple written by check (pg_stat_database, pg_stat_user_tables)", before == after,
           f"{before} -> {after}")
    cl.psql(db, sql="insert into tenants (name, slug) values ('control', 'control')", strict=True)
    control = settle(cl, db)
    record("the counters do move for a write (control)", control[0] > after[0] and control[1] > after[1],
           f"{after} -> {control}")
    cl.psql(db, sql="delete from tenants where slug = 'control'", strict=True)
    log = (cl.root / "server.log").read_text(errors="replace")
    # One entry per log line with a `%a|` prefix; statement texts continue on
    # the lines after it.
    entries: list[tuple[str, str]] = []
    for line in log.splitlines():
        m = re.match(r"^([\w.-]*)\|(.*)$", line)
        if m:
            entries.append((m.group(1), m.group(2)))
        elif entries:
            entries[-1] = (entries[-1][0], entries[-1][1] + "\n" + line)
    stmts = [" ".join(t.split()) for app, t in entries
             if app == "greyhaven-lsp" and ("statement:" in t or "execute" in t)]
    record("the check's session is read-only",
           any(s.endswith("START TRANSACTION READ ONLY") for s in stmts)
           and any("SET LOCAL statement_timeout" in s for s in stmts), "\n".join(stmts[:8]))
    def reads(s: str) -> bool:
        text = s.split(": ", 2)[-1].strip().lower() if s.startswith("LOG: execute") else s.split("statement: ", 1)[-1].lower()
        return text.startswith(("select", "start transaction read only", "set local statement_timeout", "rollback"))
    bad = [s for s in stmts if not reads(s)]
    record("the check's session sends nothing but reads", not bad and len(stmts) > 4, "\n".join(bad[:5]))
    cl.psql("postgres", sql="alter system reset log_statement", strict=True)
    cl.psql("postgres", sql="select pg_reload_conf()", strict=True)

    # --- credentials ------------------------------------------------------------
    secret_user, secret = "greyhaven_secret_user", "Sup3r-S3cret-pw"
    cl.psql("postgres", sql=f"create role {secret_user} login superuser password '{secret}'", strict=True)
    cred_url = f"postgresql://{secret_user}:{secret}@127.0.0.1:{cl.port}/{db}?sslmode=disable"
    for label, args, env in (
        ("--database-url", ["--database-url", cred_url, str(APP)], None),
        ("environment", [str(APP)], cred_url),
        ("audit", [*config, str(empty)], cred_url),
    ):
        for fmt in ("human", "json", "sarif", "github"):
            p, _ = check(bin_, ["--format", fmt, *args], env_url=env)
            text = p.stdout + p.stderr
            record(f"no credentials in output ({label}, {fmt})",
                   p.returncode in (0, 1) and secret not in text and secret_user not in text,
                   f"exit {p.returncode}; {p.stderr[-300:]}")
    s = realworld.socket.socket()
    s.bind(("127.0.0.1", 0))
    dead_port = s.getsockname()[1]
    s.close()
    dead = f"postgresql://{secret_user}:{secret}@127.0.0.1:{dead_port}/{db}"
    p, _ = check(bin_, ["--format", "json", str(APP)], env_url=dead)
    record("unreachable database: exit 2, a clear message, no report, no credentials",
           p.returncode == 2 and p.stdout == "" and "cannot connect" in p.stderr
           and f"127.0.0.1:{dead_port}" in p.stderr and secret not in p.stderr and secret_user not in p.stderr,
           f"exit {p.returncode}; stdout {p.stdout[:200]!r}; stderr {p.stderr[-400:]!r}")
    wrong = f"postgresql://{secret_user}:{secret}@127.0.0.1:{cl.port}/no_such_db_{secret}"
    p, _ = check(bin_, ["--format", "json", str(APP)], env_url=wrong)
    record("a driver error is scrubbed of credentials",
           p.returncode == 2 and p.stdout == "" and secret not in p.stderr and secret_user not in p.stderr,
           f"exit {p.returncode}; {p.stderr[-400:]!r}")
    p, _ = check(bin_, ["--format", "json", str(APP)], env_url=url + "?sslmode=require")
    record("sslmode=require with a server without TLS: exit 2, no report", p.returncode == 2 and p.stdout == "",
           p.stderr[-300:])

    # --- statement_timeout ------------------------------------------------------
    locker = subprocess.Popen(
        [str(realworld.PG_BIN / "psql"), "-X", "-q", "-h", str(cl.root / "sock"), "-p", str(cl.port),
         "-U", "postgres", "-d", db, "-c",
         "begin; lock table pg_catalog.pg_policy in access exclusive mode; select pg_sleep(20); commit;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            out, _ = cl.psql(db, sql="select count(*) from pg_locks l join pg_class c on c.oid = l.relation"
                                     " where c.relname = 'pg_policy' and l.mode = 'AccessExclusiveLock' and l.granted")
            if out.strip() == "1":
                break
            time.sleep(0.1)
        p, took = check(bin_, ["--format", "json", "--db-statement-timeout", "700", str(APP)], env_url=url)
        record("statement_timeout is honoured (exit 2, no report, well before the lock ends)",
               p.returncode == 2 and p.stdout == "" and "statement timeout" in p.stderr and took < 10,
               f"exit {p.returncode} after {took:.1f}s; {p.stderr[-300:]!r}")
    finally:
        locker.terminate()
        locker.wait(timeout=30)

    # --- drift: changes made only in the database ---------------------------
    cl.psql(db, sql="drop index projects_tenant_id_idx;"
                    " alter table projects disable row level security;"
                    " create policy allow_all on users using (true);", strict=True)
    p, _ = check(bin_, ["--format", "json", str(APP)], env_url=url)
    drift = [d for d in findings(p.stdout) if d["rule"] == "schema-drift"] if p.stdout else []
    def has(text: str, path_end: str) -> bool:
        return any(text in d["message"] and d["path"].endswith(path_end) for d in drift)
    record("drift: the dropped index, on the source's index", has('index "projects_tenant_id_idx"', "projects.ts"),
           json.dumps(drift)[:1500])
    record("drift: RLS disabled in the database, on the migration that enables it",
           has('row-level security is enabled on "projects"', "0001_project_rls.sql"), json.dumps(drift)[:1500])
    record("drift: the USING (true) policy, on the source table", has('policy "allow_all"', "users.ts"),
           json.dumps(drift)[:1500])
    record("drift findings are warnings", bool(drift) and all(d["severity"] == "warning" for d in drift))
    audit2, _ = check(bin_, ["--format", "json", *config, str(empty)], env_url=url)
    got2 = keyed(findings(audit2.stdout))
    record("audit: the dropped index is index-tenant-id", ("index-tenant-id", "projects", "tenant_id") in got2, str(sorted(got2)))
    record("audit: disabled RLS is enable-rls", ("enable-rls", "projects", "") in got2, str(sorted(got2)))

    sqlmodel_app(bin_, cl, work)
    tls(bin_, cl, work, db)
    return summary()


def live_venv(bin_: Path) -> Path | None:
    """A venv with tests/live/requirements.txt, kept beside the binary and
    reused while the requirements are the same."""
    venv = bin_.parent / "live-venv"
    stamp = venv / "requirements.txt"
    want = REQUIREMENTS.read_text()
    if stamp.exists() and stamp.read_text() == want and (venv / "bin" / "alembic").exists():
        return venv
    shutil.rmtree(venv, ignore_errors=True)
    for cmd in ([sys.executable, "-m", "venv", str(venv)],
                [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                 "-r", str(REQUIREMENTS)]):
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            record("live venv (alembic, sqlmodel, psycopg)", False, p.stderr[-800:])
            return None
    stamp.write_text(want)
    return venv


def sqlmodel_app(bin_: Path, cl, work: Path) -> None:
    """examples/sqlmodel-app: migrated by `alembic upgrade head`, audited,
    compared, then changed in the database only."""
    venv = live_venv(bin_)
    if venv is None:
        return
    app = work / "sqlmodel-app"
    shutil.copytree(SQLMODEL_APP, app)
    (app / "alembic" / "env.py").write_text(ALEMBIC_ENV)
    db = cl.createdb()
    env = {**os.environ, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{cl.port}/{db}"}
    p = subprocess.run([str(venv / "bin" / "alembic"), "upgrade", "head"], cwd=app, env=env,
                       capture_output=True, text=True, timeout=300)
    heads, _ = cl.psql(db, sql="select version_num from alembic_version")
    record("sqlmodel-app: alembic upgrade head applies every revision",
           p.returncode == 0 and heads.strip() == "8be2f4d61a93", p.stderr[-1500:] + heads)
    if p.returncode != 0:
        return
    url = cl.url(db)
    empty = work / "no-source-sqlmodel"
    empty.mkdir()
    config = ["--config", str(SQLMODEL_APP / "pyproject.toml")]
    src, _ = check(bin_, ["--format", "json", str(SQLMODEL_APP)])
    audit, _ = check(bin_, ["--format", "json", *config, str(empty)], env_url=url)
    ok = audit.returncode in (0, 1) and src.returncode in (0, 1)
    record("sqlmodel-app: audit runs", ok, audit.stderr[-800:] + src.stderr[-800:])
    if not ok:
        return
    s_diags, a_diags = findings(src.stdout), findings(audit.stdout)
    want, got = keyed(s_diags), keyed(a_diags)
    models = "\n".join(f.read_text() for f in sorted((SQLMODEL_APP / "app" / "models").glob("*.py")))
    # What the catalog cannot show, each checked against the source:
    # * a Python-side default (`Field(default_factory=...)`) is no database
    #   default: the audit's "has no database default" findings of those columns;
    # * SQLAlchemy names `index=True` indexes `ix_<table>_<column>`: the source
    #   writes no name, so index-naming (names written in the source) judges
    #   them only in the database's listing, which writes every name;
    # * a table name SQLModel derives from a CamelCase class (`OrderLine` ->
    #   `orderline`) is snake-case-table's in the source; the database holds
    #   only the lower-case name.
    def client_default(col: str) -> bool:
        return re.search(rf"\b{re.escape(col)}\s*:[^=\n]*=\s*Field\(\s*default_factory=", models) is not None
    expected_db_only = {k for k, d in ((x, d) for d in a_diags for x in keyed([d]))
                        if k[0] in ("require-timestamps", "require-uuid-primary-key")
                        and "has no database default" in d["message"] and client_default(k[2])}
    expected_db_only |= {k for d in a_diags for k in keyed([d])
                         if k[0] == "index-naming" and re.search(r'index name "ix_', d["message"])}
    expected_src_only = {k for d in s_diags for k in keyed([d])
                         if k[0] == "snake-case-table" and "comes from class" in d["message"]}
    only_src, only_db = want - got - expected_src_only, got - want - expected_db_only
    record("sqlmodel-app: audit = source on DB-visible rules", not only_src and not only_db,
           f"only in source {sorted(only_src)}; only in database {sorted(only_db)}")
    record("sqlmodel-app: the expected differences were seen (client defaults, generated index names)",
           bool(expected_db_only & got) and bool(expected_src_only), str(sorted(expected_db_only)))

    clean, _ = check(bin_, ["--format", "json", str(SQLMODEL_APP)], env_url=url)
    drift = [d for d in findings(clean.stdout) if d["rule"] == "schema-drift"] if clean.stdout else []
    record("sqlmodel-app: no drift on the database alembic built", clean.returncode in (0, 1) and not drift,
           json.dumps(drift)[:1500] + clean.stderr[-500:])
    rest = sorted((d["rule"], d["path"], d["start"]["line"]) for d in findings(clean.stdout)
                  if d["rule"] != "schema-drift")
    base = sorted((d["rule"], d["path"], d["start"]["line"]) for d in s_diags)
    record("sqlmodel-app: with a database, the source findings stay the same", rest == base,
           f"{rest} != {base}")

    # --- drift in depth: changes made only in the database -----------------
    cl.psql(db, sql="alter table orderline alter column quantity type bigint;"
                    " alter table users alter column full_name drop not null;"
                    " drop index ix_users_tenant_id;"
                    " create index ix_users_tenant_id on users (tenant_id, email_address);"
                    " alter policy tenant_isolation on orders using (true);"
                    " alter table users force row level security;", strict=True)
    p, _ = check(bin_, ["--format", "json", str(SQLMODEL_APP)], env_url=url)
    drift = [d for d in findings(p.stdout) if d["rule"] == "schema-drift"] if p.stdout else []
    shown = json.dumps([(d["path"].rsplit("/", 1)[-1], d["start"]["line"], d["message"]) for d in drift])[:2500]

    def has(text: str, path_end: str) -> bool:
        return any(text in d["message"] and d["path"].endswith(path_end) for d in drift)
    record("sqlmodel-app drift: a column's type", has('column "quantity" of "orderline" is bigint in the database, integer', "order.py"), shown)
    record("sqlmodel-app drift: a column's nullability",
           has('column "full_name" of "users" is nullable in the database, NOT NULL', "user.py"), shown)
    record("sqlmodel-app drift: an index's columns",
           has('index "ix_users_tenant_id" on "users" is on (tenant_id, email_address) in the database', ".py"), shown)
    record("sqlmodel-app drift: a policy's USING, on the migration's policy",
           has('policy "tenant_isolation" on "orders" has USING (true) in the database', "enable_row_level_security.py"), shown)
    record("sqlmodel-app drift: FORCE ROW LEVEL SECURITY",
           has('row-level security is forced on "users" in the database but not in the source', "user.py"), shown)
    record("sqlmodel-app drift: nothing else", len(drift) == 5, shown)
    sqlmodel_fixed(bin_, cl, work, venv)


def sqlmodel_fixed(bin_: Path, cl, work: Path, venv: Path) -> None:
    """`check --fix --unsafe-fixes` on a copy of examples/sqlmodel-app, then the
    real `alembic upgrade head` over the revisions the fixes wrote: the chain
    has one head, PostgreSQL forces RLS where force-rls asked, the isolation
    policy exists, and the next check reports no force-rls finding."""
    app = work / "sqlmodel-fixed"
    shutil.copytree(SQLMODEL_APP, app)
    p, _ = check(bin_, ["--fix", "--unsafe-fixes", "."], cwd=app)
    record("sqlmodel-app fixed: check --fix --unsafe-fixes runs", p.returncode in (0, 1) and "not applied" not in p.stderr,
           p.stderr[-800:])
    written = sorted(f.name for f in (app / "alembic" / "versions").glob("*.py")
                     if not (SQLMODEL_APP / "alembic" / "versions" / f.name).exists())
    (app / "alembic" / "env.py").write_text(ALEMBIC_ENV)
    db = cl.createdb()
    env = {**os.environ, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{cl.port}/{db}"}
    up = subprocess.run([str(venv / "bin" / "alembic"), "upgrade", "head"], cwd=app, env=env,
                        capture_output=True, text=True, timeout=300)
    heads = subprocess.run([str(venv / "bin" / "alembic"), "heads"], cwd=app, env=env,
                           capture_output=True, text=True, timeout=300)
    record("sqlmodel-app fixed: alembic upgrade head runs the revisions the fixes wrote (one head)",
           up.returncode == 0 and len(heads.stdout.split("\n")) - 1 == 1 and len(written) >= 3,
           f"written {written}; {up.stderr[-1200:]}; heads {heads.stdout!r}")
    forced, _ = cl.psql(db, sql="select string_agg(relname, ',' order by relname) from pg_class"
                                " where relforcerowsecurity and relkind = 'r'")
    record("sqlmodel-app fixed: PostgreSQL forces RLS on every table force-rls reported",
           {"orderline", "orders", "users"} <= set(forced.strip().split(",")), forced)
    pol, _ = cl.psql(db, sql="select count(*) from pg_policy p join pg_class c on c.oid = p.polrelid"
                             " where c.relname = 'orderline' and p.polname = 'orderline_tenant_isolation'")
    record("sqlmodel-app fixed: the isolation policy the fix wrote is in the database", pol.strip() == "1", pol)
    after, _ = check(bin_, ["--format", "json", "."], cwd=app)
    left = [d for d in findings(after.stdout) if d["rule"] in ("force-rls", "tenant-isolation-policy")]
    record("sqlmodel-app fixed: no force-rls or tenant-isolation-policy finding is left", not left,
           json.dumps(left)[:800])


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_certs(d: Path) -> None:
    """A CA, a server certificate it signs for 127.0.0.1 / localhost, one it
    signs for another name only, and an unrelated CA."""
    d.mkdir()
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN=greyhaven test {ca}",
                "-keyout", f"{ca}.key", "-out", f"{ca}.crt", cwd=d)
    for name, san in (("server", "IP:127.0.0.1,DNS:localhost"), ("wrong-name", "DNS:db.invalid")):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}", "-keyout", f"{name}.key",
                "-out", f"{name}.csr", cwd=d)
        (d / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=d)
    for f in d.iterdir():
        if os.geteuid() == 0:
            shutil.chown(f, "postgres", "postgres")
        f.chmod(0o600 if f.suffix == ".key" else 0o644)
    if os.geteuid() == 0:
        shutil.chown(d, "postgres", "postgres")


def tls(bin_: Path, cl, work: Path, db: str) -> None:
    """sslmode / sslrootcert against the cluster with ssl=on and a certificate
    signed by a CA made here."""
    if shutil.which("openssl") is None:
        record("TLS: openssl is installed", False, "openssl is missing (apt-get install openssl)")
        return
    certs = cl.root / "certs"  # the server's user must reach them
    make_certs(certs)

    def serve(cert: str) -> None:
        cl.psql("postgres", sql=f"alter system set ssl_cert_file = '{certs / (cert + '.crt')}'", strict=True)
        cl.psql("postgres", sql=f"alter system set ssl_key_file = '{certs / (cert + '.key')}'", strict=True)
        cl.psql("postgres", sql="alter system set ssl = on", strict=True)
        cl.psql("postgres", sql="alter system set log_connections = on", strict=True)
        cl.psql("postgres", sql="select pg_reload_conf()", strict=True)
        # The reload is asynchronous: wait until a TCP session is encrypted.
        for _ in range(50):
            p = subprocess.run([str(realworld.PG_BIN / "psql"), "-X", "-At", "-c",
                                "select ssl from pg_stat_ssl where pid = pg_backend_pid()",
                                f"host=127.0.0.1 port={cl.port} user=postgres dbname=postgres sslmode=require"],
                               capture_output=True, text=True, timeout=30)
            if p.stdout.strip() == "t":
                break
            time.sleep(0.1)
        else:
            log = (cl.root / "server.log").read_text(errors="replace")
            record(f"TLS: the server serves {cert}.crt", False, p.stderr[-300:] + log[-600:])

    serve("server")
    base = f"postgresql://postgres@127.0.0.1:{cl.port}/{db}"

    def run(label: str, query: str, ok: bool, stderr_has: tuple[str, ...] = ()) -> None:
        p, _ = check(bin_, ["--format", "json", str(APP)], env_url=f"{base}?{query}")
        if ok:
            good = p.returncode in (0, 1) and p.stdout.startswith("{")
        else:
            good = p.returncode == 2 and p.stdout == "" and all(t in p.stderr for t in stderr_has)
        record(f"TLS: {label}", good, f"exit {p.returncode}; {p.stderr[-500:]!r}")

    ca, other = certs / "ca.crt", certs / "other-ca.crt"
    run("verify-full with the CA as sslrootcert connects", f"sslmode=verify-full&sslrootcert={ca}", True)
    log = (cl.root / "server.log").read_text(errors="replace")
    record("TLS: the server saw the check's connection encrypted",
           any("application_name=greyhaven-lsp" in l and "SSL enabled" in l for l in log.splitlines()),
           "no 'SSL enabled' connection line for greyhaven-lsp")
    run("verify-full without sslrootcert fails (not a Mozilla root) with a clear message",
        "sslmode=verify-full", False, ("cannot connect", "invalid peer certificate", "sslrootcert=FILE"))
    run("verify-full with another CA fails", f"sslmode=verify-full&sslrootcert={other}", False,
        ("invalid peer certificate", str(other)))
    run("verify-ca with the CA connects", f"sslmode=verify-ca&sslrootcert={ca}", True)
    run("require without sslrootcert encrypts without checking (libpq's require)", "sslmode=require", True)
    run("require with another CA as sslrootcert checks the chain (libpq) and fails",
        f"sslmode=require&sslrootcert={other}", False, ("invalid peer certificate",))
    run("prefer (the default) with another CA as sslrootcert checks the chain and fails",
        f"sslrootcert={other}", False, ("invalid peer certificate",))
    run("prefer (the default) without sslrootcert encrypts", "application_name=greyhaven-lsp", True)
    run("a missing sslrootcert file: exit 2, named", f"sslmode=verify-full&sslrootcert={certs / 'nope.crt'}",
        False, ("cannot read sslrootcert", "nope.crt"))
    run("a sslrootcert that is not PEM: exit 2", f"sslmode=verify-full&sslrootcert={certs / 'server.ext'}",
        False, ("sslrootcert",))
    serve("wrong-name")
    run("verify-full fails when the certificate names another host", f"sslmode=verify-full&sslrootcert={ca}",
        False, ("invalid peer certificate",))
    run("verify-ca accepts a certificate naming another host", f"sslmode=verify-ca&sslrootcert={ca}", True)


def summary() -> int:
    passed = sum(1 for _, ok, _ in results if ok)
    failed = len(results) - passed
    print(f"live: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
