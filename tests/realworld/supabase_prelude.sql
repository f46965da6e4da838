-- A stand-in for what a Supabase project has before its migrations run, written
-- for tests/realworld: the auth and storage schemas with the tables and
-- functions migrations commonly reference, the API roles, the extensions schema
-- and the realtime publication. Only names and shapes, no behaviour.
create schema if not exists auth;
create schema if not exists storage;
create schema if not exists extensions;
do $$ begin
  create role anon nologin; exception when duplicate_object then null; end $$;
do $$ begin
  create role authenticated nologin; exception when duplicate_object then null; end $$;
do $$ begin
  create role service_role nologin bypassrls; exception when duplicate_object then null; end $$;
do $$ begin
  create role supabase_admin nologin; exception when duplicate_object then null; end $$;
do $$ begin
  create role authenticator nologin; exception when duplicate_object then null; end $$;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists citext with schema extensions;
create extension if not exists pg_trgm with schema extensions;
create table if not exists auth.users (
  id uuid primary key default extensions.gen_random_uuid(),
  instance_id uuid, aud text, role text, email text, phone text,
  encrypted_password text, email_confirmed_at timestamptz, last_sign_in_at timestamptz,
  raw_app_meta_data jsonb, raw_user_meta_data jsonb, is_super_admin boolean,
  created_at timestamptz default now(), updated_at timestamptz default now(),
  deleted_at timestamptz, is_anonymous boolean default false
);
create or replace function auth.uid() returns uuid language sql stable as
  $$ select nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
create or replace function auth.role() returns text language sql stable as
  $$ select nullif(current_setting('request.jwt.claim.role', true), '')::text $$;
create or replace function auth.email() returns text language sql stable as
  $$ select nullif(current_setting('request.jwt.claim.email', true), '')::text $$;
create or replace function auth.jwt() returns jsonb language sql stable as
  $$ select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb $$;
create table if not exists storage.buckets (
  id text primary key, name text not null, owner uuid, public boolean default false,
  file_size_limit bigint, allowed_mime_types text[],
  created_at timestamptz default now(), updated_at timestamptz default now()
);
create table if not exists storage.objects (
  id uuid primary key default extensions.gen_random_uuid(), bucket_id text references storage.buckets (id),
  name text, owner uuid, owner_id text, metadata jsonb, path_tokens text[],
  created_at timestamptz default now(), updated_at timestamptz default now(), last_accessed_at timestamptz
);
create or replace function storage.foldername(name text) returns text[] language sql immutable as
  $$ select (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1] $$;
create or replace function storage.filename(name text) returns text language sql immutable as
  $$ select (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)] $$;
do $$ begin
  create publication supabase_realtime; exception when duplicate_object then null; end $$;
grant usage on schema public, auth, extensions, storage to anon, authenticated, service_role;
select set_config('search_path', 'public, extensions', false);
do $$ begin
  execute format('alter database %I set search_path = public, extensions', current_database());
end $$;
