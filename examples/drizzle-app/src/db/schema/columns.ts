import { timestamp, uuid } from "drizzle-orm/pg-core";

// Primary key used by every table.
export const id = () => uuid("id").primaryKey().defaultRandom();

// Spread into every table: `...timestamps`.
export const timestamps = {
  created_at: timestamp("created_at", { withTimezone: true }).defaultNow().notNull(),
  updated_at: timestamp("updated_at", { withTimezone: true })
    .defaultNow()
    .notNull()
    .$onUpdate(() => new Date()),
};
