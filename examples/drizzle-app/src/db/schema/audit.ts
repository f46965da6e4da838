import { index, jsonb, pgEnum, pgTable, timestamp, uuid } from "drizzle-orm/pg-core";
import { id } from "./columns";
import { tenants } from "./tenants";

export const auditAction = pgEnum("audit_action", ["create", "update", "delete"]);

export const auditEvents = pgTable(
  // greyhaven-ignore: require-timestamps -- append-only log, rows are never updated
  "audit_events",
  {
    id: id(),
    tenant_id: uuid("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    actor_id: uuid("actor_id").notNull(),
    action: auditAction("action").notNull(),
    entity: jsonb("entity").notNull(),
    created_at: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  },
  (t) => [
    index("audit_by_tenant").on(t.tenant_id, t.created_at),
    index("audit_events_actor_id_idx").on(t.actor_id),
  ],
).enableRLS();
