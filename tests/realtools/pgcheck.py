"""Database half of tests/realtools/run: builds a database from a fixed example
app and checks its catalog against Grey Haven's standards.

    pgcheck.py drizzle  DSN APP_DIR GENERATED_DIR
    pgcheck.py sqlmodel DSN APP_DIR

drizzle: applies the SQL drizzle-kit generated from the fixed schema (strictly),
then the app's hand-written ("Custom SQL migration file") migrations in journal
order, as `drizzle-kit migrate` would run them alongside (their errors are only
reported: a table they touch may have been renamed by a fix), then re-applies
the generated ENABLE ROW LEVEL SECURITY statements (a migration generated from
the fixed schema would switch RLS back on after an old custom migration that
disabled it). Then checks every non-exempt table: a NOT NULL uuid tenant
column, an index led by it, an index led by each foreign-key column (or by the
tenant column then that column), NOT NULL created_at/updated_at with defaults,
RLS enabled with a policy comparing the tenant column with the configured
setting; and that a non-owner role sees only the rows of the tenant it set.

sqlmodel: imports the app's models, runs SQLModel.metadata.create_all, and
checks the same table shape (timestamps NOT NULL only: their defaults are
client-side; no RLS: SQLModel does not declare it).

Exits 1 with one line per violation.
"""

import json
import re
import sys
import tomllib
import uuid
from pathlib import Path

import psycopg

PROBLEMS: list[str] = []

# Deliberate exceptions the example apps document with a greyhaven-ignore
# comment: (table, what). Keep in step with the comments in examples/.
EXCEPTIONS = {
    # examples/drizzle-app/src/db/schema/audit.ts: append-only log, never updated.
    ("audit_events", "no updated_at column"),
}


def problem(msg: str) -> None:
    PROBLEMS.append(msg)
    print(f"  FAIL {msg}", file=sys.stderr)


def tenancy(app: Path) -> dict:
    """The [tenancy] settings of the app's greyhaven.toml / pyproject.toml."""
    t = {"column": "tenant_id", "table": "tenants", "setting": "app.tenant_id", "exempt_tables": []}
    own = app / "greyhaven.toml"
    if own.exists():
        t.update(tomllib.loads(own.read_text()).get("tenancy", {}))
    else:
        py = app / "pyproject.toml"
        if py.exists():
            cfg = tomllib.loads(py.read_text()).get("tool", {}).get("greyhaven", {})
            t.update(cfg.get("tenancy", {}))
    exempt = set(t["exempt_tables"]) | {t["table"]}
    t["exempt_tables"] = exempt
    return t


def statements(sql: str) -> list[str]:
    """Split a drizzle-kit migration at its statement breakpoints."""
    parts = re.split(r"-->\s*statement-breakpoint", sql)
    return [p.strip() for p in parts if p.strip() and not all(
        line.strip().startswith("--") or not line.strip() for line in p.splitlines())]


def tables(cur) -> list[tuple[int, str]]:
    cur.execute(
        """select c.oid, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname"""
    )
    return cur.fetchall()


def columns(cur, oid: int) -> dict[str, dict]:
    cur.execute(
        """select a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef
           from pg_attribute a where a.attrelid = %s and a.attnum > 0 and not a.attisdropped""",
        (oid,),
    )
    return {r[1]: {"num": r[0], "type": r[2], "notnull": r[3], "hasdef": r[4]} for r in cur.fetchall()}


def index_keys(cur, oid: int) -> list[list[int]]:
    """Key column numbers of every index of the table (expressions as 0)."""
    cur.execute(
        "select i.indkey::int2[] from pg_index i where i.indrelid = %s", (oid,)
    )
    return [list(r[0]) for r in cur.fetchall()]


def check_tables(cur, t: dict, *, defaults: bool, rls: bool) -> list[str]:
    """Check every non-exempt table; returns the names of the tenant tables."""
    col = t["column"]
    checked = []
    all_tables = tables(cur)
    if not all_tables:
        problem("no tables were created")
    for oid, name in all_tables:
        if name in t["exempt_tables"]:
            continue
        checked.append(name)
        cols = columns(cur, oid)
        by_num = {c["num"]: n for n, c in cols.items()}
        tc = cols.get(col)
        if tc is None:
            problem(f"{name}: no {col} column")
        else:
            if tc["type"] != "uuid":
                problem(f"{name}.{col} is {tc['type']}, not uuid")
            if not tc["notnull"]:
                problem(f"{name}.{col} is nullable")
        keys = index_keys(cur, oid)
        if tc is not None and not any(k and k[0] == tc["num"] for k in keys):
            problem(f"{name}: no index led by {col}")
        cur.execute(
            "select conname, conkey::int2[] from pg_constraint where conrelid = %s and contype = 'f'",
            (oid,),
        )
        for conname, conkey in cur.fetchall():
            first = conkey[0]
            fk_col = by_num.get(first, f"#{first}")
            if tc is not None and first == tc["num"]:
                continue  # the tenant column's own index is checked above
            led = any(k and k[0] == first for k in keys)
            second = tc is not None and any(
                len(k) > 1 and k[0] == tc["num"] and k[1] == first for k in keys
            )
            if not (led or second):
                problem(f"{name}: foreign key {conname} ({fk_col}) has no index led by it or by ({col}, {fk_col})")
        for ts in ("created_at", "updated_at"):
            c = cols.get(ts)
            if c is None:
                if (name, f"no {ts} column") not in EXCEPTIONS:
                    problem(f"{name}: no {ts} column")
                continue
            if not c["notnull"]:
                problem(f"{name}.{ts} is nullable")
            if defaults and not c["hasdef"]:
                problem(f"{name}.{ts} has no default")
        if rls:
            cur.execute("select relrowsecurity from pg_class where oid = %s", (oid,))
            if not cur.fetchone()[0]:
                problem(f"{name}: row-level security is not enabled")
            cur.execute(
                """select polname, polcmd, polpermissive,
                          coalesce(pg_get_expr(polqual, polrelid), ''),
                          coalesce(pg_get_expr(polwithcheck, polrelid), '')
                   from pg_policy where polrelid = %s""",
                (oid,),
            )
            policies = cur.fetchall()

            def scoped(e: str) -> bool:
                return col in e and "current_setting" in e and t["setting"] in e

            # Permissive policies are OR-ed: every one that lets rows be read
            # must itself compare the tenant column.
            readers = [p for p in policies if p[2] and p[1] in ("*", "r")]
            if not readers:
                problem(f"{name}: no permissive policy for SELECT")
            for p in readers:
                if not scoped(p[3]):
                    problem(f"{name}: policy {p[0]} USING ({p[3]}) does not compare {col} with current_setting('{t['setting']}')")
            for p in policies:
                if p[2] and p[1] in ("*", "a", "w") and p[4] and not scoped(p[4]):
                    problem(f"{name}: policy {p[0]} WITH CHECK ({p[4]}) does not compare {col} with current_setting('{t['setting']}')")
    return checked


def fill_value(cur, table_oid: int, colname: str, typ: str, tenant: str, n: int):
    """A value for a NOT NULL column without default, for the isolation test."""
    cur.execute(
        """select confrelid::regclass::text from pg_constraint
           where conrelid = %s and contype = 'f'
             and conkey[1] = (select attnum from pg_attribute where attrelid = %s and attname = %s)""",
        (table_oid, table_oid, colname),
    )
    ref = cur.fetchone()
    if ref is not None:
        return None  # only the tenant reference can be filled
    if typ == "uuid":
        return str(uuid.uuid4())
    if typ.startswith(("text", "character")):
        return f"realtools-{n}"
    if typ == "boolean":
        return False
    if typ in ("integer", "bigint", "smallint", "numeric"):
        return 0
    if typ.startswith("timestamp") or typ == "date":
        return "2025-01-01"
    if typ == "jsonb" or typ == "json":
        return "{}"
    cur.execute("select enum_range(null::" + typ + ")::text[]")
    labels = cur.fetchone()[0]
    return labels[0] if labels else None


def isolation(conn, t: dict, candidates: list[str], prefer: str) -> None:
    """Rows of tenants A and B in one table: app_user with A set sees only A's."""
    col, setting, tenants_table = t["column"], t["setting"], t["table"]
    with conn.cursor() as cur:
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        tcols = columns(cur, tables_oid(cur, tenants_table))
        for i, tid in enumerate((a, b)):
            vals = {"id": tid}
            for name, c in tcols.items():
                if name != "id" and c["notnull"] and not c["hasdef"]:
                    vals[name] = fill_value(cur, tables_oid(cur, tenants_table), name, c["type"], tid, i)
            insert(cur, tenants_table, vals)
        order = sorted(candidates, key=lambda n: n != prefer)
        chosen = None
        for name in order:
            oid = tables_oid(cur, name)
            cols = columns(cur, oid)
            ok = True
            rows = []
            for i, tid in enumerate((a, b, a)):
                vals = {col: tid}
                for cname, c in cols.items():
                    if cname == col or not c["notnull"] or c["hasdef"]:
                        continue
                    v = fill_value(cur, oid, cname, c["type"], tid, i)
                    if v is None:
                        ok = False
                        break
                    vals[cname] = v
                if not ok:
                    break
                rows.append(vals)
            if ok:
                for vals in rows:
                    insert(cur, name, vals)
                chosen = name
                break
        if chosen is None:
            problem(f"isolation: no tenant table could be filled (tried {', '.join(order)})")
            return
        print(f"  isolation test on table {chosen}")
        cur.execute("create role app_user nologin")
        cur.execute("grant usage on schema public to app_user")
        cur.execute("grant select on all tables in schema public to app_user")
        for tid, want in ((a, 2), (b, 1)):
            cur.execute(f"select set_config('{setting}', %s, false)", (tid,))
            cur.execute("set role app_user")
            cur.execute(f'select "{col}"::text from "{chosen}"')
            seen = [r[0] for r in cur.fetchall()]
            cur.execute("reset role")
            if sorted(seen) != [tid] * want:
                problem(
                    f"isolation: app_user with {setting}={tid} sees tenants {seen} in {chosen}, want only {want} row(s) of its own"
                )
            else:
                print(f"  isolation: app_user sees only its tenant's {want} row(s) of {chosen}")
    conn.commit()


def tables_oid(cur, name: str) -> int:
    cur.execute("select %s::regclass::oid", (f'public."{name}"',))
    return cur.fetchone()[0]


def insert(cur, table: str, vals: dict) -> None:
    names = ", ".join(f'"{k}"' for k in vals)
    marks = ", ".join(["%s"] * len(vals))
    cur.execute(f'insert into "{table}" ({names}) values ({marks})', list(vals.values()))


def drizzle(dsn: str, app: Path, generated: Path) -> None:
    t = tenancy(app)
    files = sorted(generated.glob("*.sql"))
    if not files:
        problem(f"drizzle-kit generated no SQL in {generated}")
        return
    enable_rls = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for f in files:
            for stmt in statements(f.read_text()):
                if re.search(r"ENABLE ROW LEVEL SECURITY", stmt, re.I):
                    enable_rls.append(stmt)
                try:
                    conn.execute(stmt)
                except psycopg.Error as e:
                    problem(f"generated {f.name}: {e.diag.message_primary or e}: {stmt[:200]}")
                    return
        print(f"  applied {len(files)} generated migration(s)")
        journal = app / "drizzle" / "meta" / "_journal.json"
        tags = [e["tag"] for e in json.loads(journal.read_text())["entries"]] if journal.exists() else []
        for tag in tags:
            path = app / "drizzle" / f"{tag}.sql"
            text = path.read_text() if path.exists() else ""
            if not text.startswith("-- Custom SQL migration file"):
                continue
            for stmt in statements(text):
                try:
                    conn.execute(stmt)
                except psycopg.Error as e:
                    print(f"  note: custom migration {tag}: {e.diag.message_primary or e}", file=sys.stderr)
            print(f"  applied custom migration {tag}")
        for stmt in enable_rls:
            conn.execute(stmt)
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            checked = check_tables(cur, t, defaults=True, rls=True)
        conn.commit()
        print(f"  checked tables: {', '.join(checked)}")
        if checked:
            isolation(conn, t, checked, "users")


def sqlmodel(dsn: str, app: Path) -> None:
    t = tenancy(app)
    sys.path.insert(0, str(app))
    import sqlmodel as sm  # noqa: PLC0415
    import app.models  # noqa: F401, PLC0415

    url = "postgresql+psycopg://" + dsn_to_url(dsn)
    engine = sm.create_engine(url)
    sm.SQLModel.metadata.create_all(engine)
    engine.dispose()
    print(f"  created {len(sm.SQLModel.metadata.tables)} table(s) with create_all")
    with psycopg.connect(dsn) as conn:
        with conn.cursor() as cur:
            checked = check_tables(cur, t, defaults=False, rls=False)
        print(f"  checked tables: {', '.join(checked)}")


def dsn_to_url(dsn: str) -> str:
    """`host=H port=P dbname=D user=U` -> `U@/D?host=H&port=P`."""
    kv = dict(p.split("=", 1) for p in dsn.split())
    return f"{kv['user']}@/{kv['dbname']}?host={kv['host']}&port={kv['port']}"


def main() -> int:
    kind, dsn, app = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    if kind == "drizzle":
        drizzle(dsn, app, Path(sys.argv[4]))
    elif kind == "sqlmodel":
        sqlmodel(dsn, app)
    else:
        print(f"unknown kind {kind}", file=sys.stderr)
        return 2
    if PROBLEMS:
        print(f"{kind}: {len(PROBLEMS)} problem(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
