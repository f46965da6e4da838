import { defineConfig } from "drizzle-kit";

// No `casing` option: every column spells its database name explicitly,
// so a key without a name string becomes a column of exactly that name.
export default defineConfig({
  schema: "./src/db/schema/index.ts",
  out: "./drizzle",
  dialect: "postgresql",
  dbCredentials: {
    url: process.env.DATABASE_URL ?? "postgres://localhost:5432/acme",
  },
});
