-- Self-test of tests/realworld/realworld.py's catalog audit: each table breaks
-- (or keeps) the standards on purpose; each "expect:" comment (rule, table,
-- column when the rule is about one) lists
-- exactly the findings the audit must derive from the catalog.
create table tenants (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);

-- Everything right: tenant column, FK, indexes, timestamps, RLS and an
-- isolating policy written the (select current_setting(...)) way.
create table projects (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id),
  owner_id uuid references tenants (id),
  slug text not null,
  is_archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  unique (tenant_id, slug)
);
create index projects_tenant_id_idx on projects (tenant_id, owner_id);
alter table projects enable row level security;
create policy tenant_isolation on projects
  using (tenant_id = (select current_setting('app.tenant_id', true))::uuid);

-- No tenant column, serial id, no timestamps, no RLS.
create table posts ( -- expect: require-tenant-id posts
  id serial primary key, -- expect: require-uuid-primary-key posts
  title text -- expect: require-timestamps posts created_at
); -- expect: require-timestamps posts updated_at
-- expect: soft-delete-column posts deleted_at
-- expect: enable-rls posts

-- A nullable text tenant column without FK or index; camelCase, email and
-- boolean names; an unindexed foreign key; a global unique; a policy that
-- compares another column, one under OR; timestamps without defaults.
create table "userAccounts" ( -- expect: snake-case-table userAccounts
  id uuid primary key default gen_random_uuid(),
  tenant_id text, -- expect: tenant-id-not-null userAccounts tenant_id
  -- expect: tenant-id-type userAccounts tenant_id
  -- expect: tenant-id-foreign-key userAccounts tenant_id
  -- expect: index-tenant-id userAccounts
  "displayName" text, -- expect: snake-case-column userAccounts displayName
  email text unique, -- expect: email-column-name userAccounts email
  -- expect: tenant-scoped-unique userAccounts email
  active boolean, -- expect: boolean-prefix userAccounts active
  project_id uuid references projects (id), -- expect: index-foreign-keys userAccounts project_id
  team_id uuid, -- expect: foreign-key-explicit userAccounts team_id
  stripe_customer_id text,
  created_at timestamp not null, -- expect: require-timestamps userAccounts created_at
  updated_at timestamptz -- expect: require-timestamps userAccounts updated_at
); -- expect: soft-delete-column userAccounts deleted_at
alter table "userAccounts" enable row level security;
create policy other_column on "userAccounts" using (project_id = current_setting('app.tenant_id')::uuid);
create policy under_or on "userAccounts"
  using (tenant_id = current_setting('app.tenant_id') or true);
-- expect: tenant-isolation-policy userAccounts

-- A schema-qualified table; a partial index on a foreign key that serves it
-- (IS NOT NULL) and one that does not; an index led by the tenant column but
-- partial does not count; the isolating policy in WITH CHECK only counts
-- when there is no USING.
create schema billing;
create table billing.invoices (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants (id),
  customer_id uuid references tenants (id),
  payer_id uuid references tenants (id), -- expect: index-foreign-keys billing.invoices payer_id
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index on billing.invoices (customer_id) where customer_id is not null;
create index on billing.invoices (payer_id) where payer_id <> tenant_id;
create index on billing.invoices (tenant_id) where deleted_at is null;
-- expect: index-tenant-id billing.invoices
alter table billing.invoices enable row level security;
create policy insert_only on billing.invoices for insert
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
