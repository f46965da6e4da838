import { boolean, index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, timestamps } from "./columns";
import { tenants } from "./tenants";
import { users } from "./users";

// RLS and the tenant policy for this table live in drizzle/0001_project_rls.sql.
export const projects = pgTable(
  "projects",
  {
    id: id(),
    tenant_id: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    slug: text("slug").notNull().unique(),
    ownerId: uuid().notNull().references(() => users.id),
    email: text("email"),
    active: boolean("active").default(true).notNull(),
    ...timestamps,
  },
  (t) => [index("projects_tenant_id_idx").on(t.tenant_id)],
);
