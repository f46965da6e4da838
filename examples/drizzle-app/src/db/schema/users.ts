import { sql } from "drizzle-orm";
import {
  boolean,
  index,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { id, timestamps } from "./columns";
import { tenants } from "./tenants";

export const users = pgTable(
  "users",
  {
    id: id(),
    tenant_id: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    email_address: text("email_address").notNull(),
    full_name: text("full_name").notNull(),
    is_active: boolean("is_active").default(true).notNull(),
    ...timestamps,
    deleted_at: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    index("users_tenant_id_idx").on(t.tenant_id),
    uniqueIndex("users_tenant_id_email_address_idx").on(t.tenant_id, t.email_address),
    pgPolicy("tenant_isolation", {
      as: "permissive",
      for: "all",
      using: sql`${t.tenant_id} = (select current_setting('app.tenant_id')::uuid)`,
      withCheck: sql`${t.tenant_id} = (select current_setting('app.tenant_id')::uuid)`,
    }),
  ],
);
