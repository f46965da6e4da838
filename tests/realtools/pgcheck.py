"""Database half of tests/realtools/run: builds a database from a fixed example
app and checks its catalog against Grey Haven's standards.

    pgcheck.py drizzle  DSN APP_DIR REMAINING_JSON GENERATED_DIR
    pgcheck.py sqlmodel DSN APP_DIR REMAINING_JSON

REMAINING_JSON is `greyhaven-lsp check --format json` of the fixed app: a
standard greyhaven still reports as broken (no fix exists for it) is not
checked in the database, and is listed; everything greyhaven considers fixed
or fine must hold in the real database.

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

import itertools
import json
import re
import sys
import tomllib
import uuid
from pathlib import Path

import psycopg

PROBLEMS: list[str] = []
SERIAL = itertools.count()

# Deliberate exceptions the example apps document with a greyhaven-ignore
# comment: (table, what). Keep in step with the comments in examples/.
EXCEPTIONS = {
    # examples/drizzle-app/src/db/schema/audit.ts: append-only log, never updated.
    ("audit_events", "no updated_at column"),
}


# (rule, table, column) of the findings greyhaven still reports after fixing.
REMAINING: set[tuple[str, str, str]] = set()


def remaining(rules: tuple[str, ...], table: str, column: str = "") -> bool:
    """Whether greyhaven still reports one of `rules` on table (and column)."""
    for rule, t, c in REMAINING:
        if rule in rules and t == table and (not column or not c or c == column):
            print(f"  skip {table}{'.' + column if column else ''}: greyhaven still reports {rule}")
            return True
    return False


def load_remaining(path: Path) -> None:
    for d in json.loads(path.read_text())["diagnostics"]:
        REMAINING.add((d["rule"], d.get("table") or "", d.get("column") or ""))


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
        if tc is None and remaining(("require-tenant-id",), name):
            pass
        elif tc is None:
            problem(f"{name}: no {col} column")
        else:
            if tc["type"] != "uuid" and not remaining(("tenant-id-type",), name, col):
                problem(f"{name}.{col} is {tc['type']}, not uuid")
            if not tc["notnull"] and not remaining(("tenant-id-not-null",), name, col):
                problem(f"{name}.{col} is nullable")
        keys = index_keys(cur, oid)
        if tc is not None and not any(k and k[0] == tc["num"] for k in keys):
            if not remaining(("index-tenant-id",), name):
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
            if not (led or second) and not remaining(("index-foreign-keys",), name, fk_col):
                problem(f"{name}: foreign key {conname} ({fk_col}) has no index led by it or by ({col}, {fk_col})")
        for ts in ("created_at", "updated_at"):
            c = cols.get(ts)
            if remaining(("require-timestamps",), name, ts):
                continue
            if c is None:
                if (name, f"no {ts} column") not in EXCEPTIONS:
                    problem(f"{name}: no {ts} column")
                continue
            if not c["notnull"]:
                problem(f"{name}.{ts} is nullable")
            if defaults and not c["hasdef"]:
                problem(f"{name}.{ts} has no default")
        if rls and not remaining(("enable-rls", "tenant-isolation-policy"), name):
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


def fill_value(cur, table_oid: int, colname: str, typ: str, tenant: str, n: int, tcol: str):
    """A value for a NOT NULL column without default, for the isolation test:
    a foreign key takes a row of the same tenant from the referenced table.
    `None` when there is none."""
    cur.execute(
        """select confrelid, (select attname from pg_attribute
                              where attrelid = confrelid and attnum = confkey[1])
           from pg_constraint
           where conrelid = %s and contype = 'f'
             and conkey[1] = (select attnum from pg_attribute where attrelid = %s and attname = %s)""",
        (table_oid, table_oid, colname),
    )
    ref = cur.fetchone()
    if ref is not None:
        ref_cols = columns(cur, ref[0])
        cur.execute("select relname from pg_class where oid = %s", (ref[0],))
        ref_name = cur.fetchone()[0]
        where = f' where "{tcol}" = %s' if tcol in ref_cols else ""
        cur.execute(
            f'select "{ref[1]}"::text from "{ref_name}"{where} limit 1',
            (tenant,) if where else (),
        )
        row = cur.fetchone()
        return row[0] if row else None
    if typ == "uuid":
        return str(uuid.uuid4())
    if typ.startswith(("text", "character")):
        return f"realtools-{next(SERIAL)}"
    if typ == "boolean":
        return False
    if typ in ("integer", "bigint", "smallint", "numeric"):
        return 0
    if typ.startswith("timestamp") or typ == "date":
        return "2025-01-01"
    if typ in ("jsonb", "json"):
        return "{}"
    cur.execute("select enum_range(null::" + typ + ")::text[]")
    labels = cur.fetchone()[0]
    return labels[0] if labels else None


def fill_rows(cur, name: str, col: str, tids: list[str]) -> list[dict] | None:
    """Rows for `name`, one per tenant in `tids`, or None if one cannot be made."""
    oid = tables_oid(cur, name)
    rows = []
    for i, tid in enumerate(tids):
        vals = {col: tid} if col in columns(cur, oid) else {}
        for cname, c in columns(cur, oid).items():
            if cname in vals or not c["notnull"] or c["hasdef"]:
                continue
            v = fill_value(cur, oid, cname, c["type"], tid, i, col)
            if v is None:
                return None
            vals[cname] = v
        rows.append(vals)
    return rows


def isolation(conn, t: dict, candidates: list[str]) -> None:
    """Rows of tenants A and B in every RLS table that can be filled: app_user
    with A set sees only A's rows, with B set only B's."""
    col, setting, tenants_table = t["column"], t["setting"], t["table"]
    with conn.cursor() as cur:
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        for tid in (a, b):
            rows = fill_rows(cur, tenants_table, "id", [tid])
            if rows is None:
                problem(f"isolation: cannot fill the {tenants_table} table")
                return
            insert(cur, tenants_table, rows[0])
        cur.execute(
            "select relname from pg_class where relrowsecurity and relname = any(%s)",
            (candidates,),
        )
        pending = sorted(r[0] for r in cur.fetchall())
        filled = []
        progress = True
        while pending and progress:
            progress = False
            for name in list(pending):
                rows = fill_rows(cur, name, col, [a, b, a])
                if rows is None:
                    continue
                for vals in rows:
                    insert(cur, name, vals)
                filled.append(name)
                pending.remove(name)
                progress = True
        if not filled:
            problem("isolation: no RLS table could be filled")
            return
        if pending:
            print(f"  isolation: cannot fill {', '.join(pending)}, not tested")
        cur.execute("create role app_user nologin")
        cur.execute("grant usage on schema public to app_user")
        cur.execute("grant select on all tables in schema public to app_user")
        for name in filled:
            before = len(PROBLEMS)
            for tid, want in ((a, 2), (b, 1)):
                cur.execute("select set_config(%s, %s, false)", (setting, tid))
                cur.execute("set role app_user")
                cur.execute(f'select "{col}"::text from "{name}"')
                seen = [r[0] for r in cur.fetchall()]
                cur.execute("reset role")
                if sorted(seen) != [tid] * want:
                    problem(
                        f"isolation: app_user with {setting}={tid} sees tenants {seen} in {name}, want only {want} row(s) of its own"
                    )
            if len(PROBLEMS) == before:
                print(f"  isolation: app_user sees only its own tenant's rows of {name}")
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
            isolation(conn, t, checked)


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
    load_remaining(Path(sys.argv[4]))
    if kind == "drizzle":
        drizzle(dsn, app, Path(sys.argv[5]))
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
