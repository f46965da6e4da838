-- Custom SQL migration file, put your code below! --
-- posts has no tenant_id yet, so RLS without a policy hid every post from the
-- app role. Switch it off again until the tenant backfill ships.
ALTER TABLE "posts" DISABLE ROW LEVEL SECURITY;
