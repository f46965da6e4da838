import { boolean, index, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { id, timestamps } from "./columns";
import { users } from "./users";

export const posts = pgTable("posts", {
  id: id(),
  user_id: uuid("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  title: text("title").notNull(),
  body: text("body"),
  is_published: boolean("is_published").default(false).notNull(),
  ...timestamps,
});

// Index for user_id (copied from the data-modeling guide)
export const postsUserIndex = index("posts_user_id_idx").on(posts.user_id);
