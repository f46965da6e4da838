#!/usr/bin/env python3
"""Generate a 10,000-file monorepo for timing `check` by hand.

Usage: python3 bench/sql_monorepo.py OUT_DIR [PACKAGES]

Each of PACKAGES (default 200) packages holds 50 files: 10 Drizzle schema files
(5 tables each), 5 SQLModel model files, 20 SQL migrations (Supabase style:
CREATE TABLE, ALTER TABLE, indexes, DO blocks with RLS and policies) and 15
TypeScript files that are not schema files. Then time it:

    time target/release/greyhaven-lsp check OUT_DIR --format json > /dev/null
"""

import pathlib
import sys

DRIZZLE_HEAD = 'import { index, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";\n\n'


def drizzle_table(name: str) -> str:
    return f'''export const {name} = pgTable("{name}", {{
  id: uuid("id").primaryKey().defaultRandom(),
  tenant_id: uuid("tenant_id").notNull(),
  title: text("title").notNull(),
  ownerId: uuid("owner_id"),
  created_at: timestamp("created_at", {{ withTimezone: true }}).notNull().defaultNow(),
  updated_at: timestamp("updated_at", {{ withTimezone: true }}).notNull().defaultNow(),
}}, (t) => [index("{name}_tenant_id_idx").on(t.tenant_id)]);

'''


def sqlmodel_file(prefix: str) -> str:
    out = ["from uuid import UUID, uuid4", "from sqlmodel import Field, SQLModel", ""]
    for i in range(4):
        out += [
            f"class {prefix.title().replace('_', '')}M{i}(SQLModel, table=True):",
            f'    __tablename__ = "{prefix}_m{i}"',
            "    id: UUID = Field(default_factory=uuid4, primary_key=True)",
            '    tenant_id: UUID = Field(foreign_key="tenants.id", index=True)',
            "    name: str",
            "",
        ]
    return "\n".join(out)


def migration(prefix: str, n: int) -> str:
    t = f"{prefix}_s{n}"
    return f"""-- migration {n}
create table if not exists public.{t} (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references public.tenants (id),
  parent_id uuid references public.{t} (id),
  name text not null,
  "createdAt" timestamptz not null default now(),
  updated_at timestamptz default now()
);
create index {t}_tenant_id_idx on public.{t} using btree (tenant_id);
alter table public.{t} rename column "createdAt" to created_at;
alter table public.{t} alter column updated_at set not null;
alter table public.{t} add column deleted_at timestamptz;
do $$
begin
  alter table public.{t} enable row level security;
  if not exists (select 1 from pg_policies where tablename = '{t}') then
    create policy tenant_isolation on public.{t}
      using (tenant_id = (select current_setting('app.tenant_id'))::uuid);
  end if;
  execute 'create index {t}_parent_id_idx on public.{t} (parent_id)';
end $$;
"""


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    packages = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    (out / "supabase/migrations").mkdir(parents=True, exist_ok=True)
    (out / "supabase/migrations/00000000000000_tenants.sql").write_text(
        "create table public.tenants (id uuid primary key default gen_random_uuid());\n"
    )
    for p in range(packages):
        pkg = out / f"packages/p{p:03}"
        for d in ["src/db", "app", "supabase/migrations", "src/lib"]:
            (pkg / d).mkdir(parents=True, exist_ok=True)
        for f in range(10):
            body = DRIZZLE_HEAD + "".join(drizzle_table(f"p{p}_d{f}_t{i}") for i in range(5))
            (pkg / f"src/db/schema{f}.ts").write_text(body)
        for f in range(5):
            (pkg / f"app/models{f}.py").write_text(sqlmodel_file(f"p{p}_py{f}"))
        for f in range(20):
            name = f"2024{p:04}{f:06}_m{f}.sql"
            (pkg / "supabase/migrations" / name).write_text(migration(f"p{p}", f))
        for f in range(15):
            (pkg / f"src/lib/util{f}.ts").write_text(
                f"export function util{f}(x: number): number {{\n  return x * {f};\n}}\n"
            )


if __name__ == "__main__":
    main()
