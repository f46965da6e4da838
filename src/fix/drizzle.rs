//! Drizzle fix primitives shared by the rules: adding a property to a table's
//! columns object (after `id`, or first/last), chaining a modifier onto a column
//! builder (`.notNull()`), adding an item to the table's extra config in whatever
//! form it has (array, object with a generated key, block returning either) or
//! creating the third argument `(t) => [ ... ]`, and making `drizzle-orm/pg-core`
//! names (and other files' tables) available to the file. Everything follows the
//! file's layout; a primitive returns `None` when it cannot make a correct edit.

use super::Src;
use super::list::{self, matching_close};
use super::style::{line_indent, line_start};
use crate::diagnostic::Edit;
use crate::model::{Column, ExtraForm, Lang, Span, Table};
use std::path::{Component, Path};

/// The expression naming `name` from `drizzle-orm/pg-core` in the file (`index`,
/// an alias, `p.index`), with the import edit to add when it is not imported yet.
pub fn pg_core(src: &Src, name: &str) -> (String, Option<Edit>) {
    if let Some((_, local)) = src.model.pg_core_names.iter().find(|(n, _)| n == name) {
        return (local.clone(), None);
    }
    if let Some(ns) = &src.model.pg_core_namespace {
        return (format!("{ns}.{name}"), None);
    }
    src.ts_import("drizzle-orm/pg-core", name)
}

/// [`pg_core`] for several names at once: one import edit adds them all.
pub fn pg_core_many(src: &Src, names: &[&str]) -> (Vec<String>, Vec<Edit>) {
    let mut exprs = Vec::new();
    let mut missing: Vec<&str> = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    for n in names {
        let (e, imp) = pg_core(src, n);
        exprs.push(e);
        if let Some(imp) = imp {
            missing.push(n);
            edits.push(imp);
        }
    }
    if missing.len() > 1 && edits[0].text.trim_start().starts_with("import ") {
        // A new import line: name them all in it.
        let (_, imp) = src.ts_import("drizzle-orm/pg-core", &missing.join(", "));
        return (exprs, imp.into_iter().collect());
    }
    (exprs, edits)
}

/// `tenantIdIdx` for the keys `["tenant_id"]`: the object-form key of a new index.
pub fn index_key(keys: &[&str]) -> String {
    let mut out = String::new();
    for k in keys {
        for part in k.split('_').filter(|p| !p.is_empty()) {
            let mut cs = part.chars();
            if let Some(c) = cs.next() {
                if out.is_empty() {
                    out.extend(c.to_lowercase());
                } else {
                    out.extend(c.to_uppercase());
                }
                out.push_str(cs.as_str());
            }
        }
    }
    out.push_str("Idx");
    out
}

/// Edits adding `index("<name>").on(t.<key>, ...)` on the property keys `keys`
/// to the extra config of `table`, with the `index` import. `None` when the
/// extra config cannot take it.
pub fn add_index(src: &Src, table: &Table, keys: &[&str], name: &str) -> Option<Vec<Edit>> {
    let p = extra_param(table)?;
    let (index, imp) = pg_core(src, "index");
    let on: Vec<String> = keys.iter().map(|k| format!("{p}.{k}")).collect();
    let item = format!("{index}({}).on({})", src.style.quoted(name), on.join(", "));
    let mut edits = insert_extra(src, table, &index_key(keys), &item)?;
    edits.extend(imp);
    Some(edits)
}

/// The `() => <table>.<id key>` callback referencing `target`'s `column` (a
/// database name) from `src`, with the import of the target table when it lives
/// in another file. `None` when the target is not exported, has no such column,
/// or its identifier is taken in `src`.
pub fn reference_target(
    src: &Src,
    target: &Table,
    target_path: &Path,
    column: &str,
) -> Option<(String, Option<Edit>)> {
    let key = &target.columns.iter().find(|c| c.name == column)?.key;
    if target_path != src.path && !target.exported {
        return None;
    }
    let (expr, imp) = import_table(src, &target.ident, target_path)?;
    Some((format!("() => {expr}.{key}"), imp))
}

/// `true` when `column` is written in `table`'s own columns object in `src`
/// (not in a spread, helper or another file), so editing it changes this table only.
pub fn is_own(src: &Src, table: &Table, column: &Column) -> bool {
    column.file == src.file
        && table.body_span.start() <= column.span.start()
        && column.span.end() <= table.body_span.end()
}

/// Make the table variable `ident` exported by the file at `target` usable in
/// `src` through a relative import (nothing when `target` is `src` itself).
pub fn import_table(src: &Src, ident: &str, target: &Path) -> Option<(String, Option<Edit>)> {
    if target == src.path {
        return Some((ident.to_string(), None));
    }
    if let Some(imp) = src.model.imports.iter().find(|i| i.imported == ident) {
        return Some((imp.local.clone(), None));
    }
    if src.model.imports.iter().any(|i| i.local == ident)
        || src.model.tables.iter().any(|t| t.ident == ident)
    {
        // The name is taken by something else in this file.
        return None;
    }
    let js_ext = src
        .model
        .imports
        .iter()
        .any(|i| i.module.starts_with('.') && i.module.ends_with(".js"));
    let module = relative_module(src.path, target, js_ext)?;
    Some(src.ts_import(&module, ident))
}

/// `./x` / `../dir/x` from the file `from` to the file `to`, extension dropped
/// (or `.js` when the project writes ESM specifiers).
pub fn relative_module(from: &Path, to: &Path, js_ext: bool) -> Option<String> {
    let from_dir: Vec<Component> = from.parent()?.components().collect();
    let to_c: Vec<Component> = to.components().collect();
    let common = from_dir
        .iter()
        .zip(to_c.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..from_dir.len() {
        parts.push("..".into());
    }
    for c in &to_c[common..] {
        parts.push(c.as_os_str().to_str()?.to_string());
    }
    let last = parts.pop()?;
    let stem = last
        .strip_suffix(".ts")
        .or_else(|| last.strip_suffix(".tsx"))
        .or_else(|| last.strip_suffix(".mts"))
        .or_else(|| last.strip_suffix(".js"))
        .unwrap_or(&last);
    let stem = if js_ext {
        format!("{stem}.js")
    } else {
        stem.to_string()
    };
    parts.push(stem);
    let joined = parts.join("/");
    Some(if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    })
}

/// The property key an object item starts with (`id` in `id: uuid()`, `"a-b"`
/// unquoted), when the item is a `key: value` pair.
pub fn item_key(item_text: &str) -> Option<&str> {
    let t = item_text.trim_start();
    let (key, rest) = if let Some(q) = t.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = t[1..].find(q)? + 1;
        (&t[1..end], &t[end + 1..])
    } else {
        let n = t
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .unwrap_or(t.len());
        (&t[..n], &t[n..])
    };
    (!key.is_empty() && rest.trim_start().starts_with(':')).then_some(key)
}

/// Where a new column goes in the columns object.
#[derive(Clone, Copy, Debug)]
pub enum Place<'a> {
    /// First in the object.
    Start,
    /// After the first of these keys present in the object, else last.
    After(&'a [&'a str]),
}

/// Edits adding the property `prop` (`tenant_id: uuid("tenant_id")`) to the
/// columns object of `table`. `None` when the columns are not an object literal.
pub fn insert_column(src: &Src, table: &Table, place: Place, prop: &str) -> Option<Vec<Edit>> {
    let body = table.body_span;
    if body.len() < 2 || src.text.as_bytes().get(body.start()) != Some(&b'{') {
        return None;
    }
    let items = list::items(src.text, body, Lang::TypeScript);
    let after = match place {
        Place::Start => None,
        Place::After(keys) => keys
            .iter()
            .find_map(|k| {
                items.iter().position(|it| {
                    item_key(&src.text[it.span.start()..it.span.end()]).is_some_and(|x| x == *k)
                })
            })
            .or(items.len().checked_sub(1)),
    };
    list::insert(
        src.text,
        src.file,
        &src.style,
        body,
        after,
        prop,
        Lang::TypeScript,
    )
}

/// The edit chaining `modifier` (`.notNull()`) onto the builder of `column`,
/// on its own line when the chain is written one call per line.
pub fn append_modifier(src: &Src, column: &Column, modifier: &str) -> Edit {
    let v = column.value_span;
    let value = &src.text[v.start()..v.end()];
    if let Some(last_nl) = value.rfind('\n') {
        let last_line = &value[last_nl + 1..];
        if last_line.trim_start().starts_with('.') {
            let indent = &last_line[..last_line.len() - last_line.trim_start().len()];
            return src.edit(
                Span::empty(v.end()),
                format!("{}{indent}{modifier}", src.style.eol),
            );
        }
    }
    src.edit(Span::empty(v.end()), modifier.to_string())
}

/// The name to use for the extra-config callback's parameter in a new item:
/// the existing callback's parameter, `t` for a new callback; `None` when the
/// extra config cannot take a new item.
pub fn extra_param(table: &Table) -> Option<String> {
    match &table.extra {
        None => Some("t".into()),
        Some(e) => e.param.clone(),
    }
}

/// Edits adding `item` (`index("x").on(t.a)`) to the extra config of `table`.
/// Object forms get the key `key_hint` (numbered when taken). A table without
/// extra config gets a third argument `(t) => [item]`. `None` when the extra
/// config is not a literal the fix understands.
pub fn insert_extra(src: &Src, table: &Table, key_hint: &str, item: &str) -> Option<Vec<Edit>> {
    let text = src.text;
    let Some(extra) = &table.extra else {
        return new_extra(src, table, item);
    };
    extra.param.as_ref()?;
    let c = extra.container;
    let open = *text.as_bytes().get(c.start())?;
    let is_object = match (extra.form, open) {
        (ExtraForm::Array, b'[') => false,
        (ExtraForm::Object, b'{') => true,
        (ExtraForm::Block, b'[') => false,
        (ExtraForm::Block, b'{') => true,
        _ => return None,
    };
    if matching_close(text, c.start(), Lang::TypeScript) != Some(c.end() - 1) {
        return None;
    }
    let items = list::items(text, c, Lang::TypeScript);
    let new = if is_object {
        let keys: Vec<&str> = items
            .iter()
            .filter_map(|it| item_key(&text[it.span.start()..it.span.end()]))
            .collect();
        let mut key = key_hint.to_string();
        let mut n = 2;
        while keys.contains(&key.as_str()) {
            key = format!("{key_hint}{n}");
            n += 1;
        }
        format!("{key}: {item}")
    } else {
        item.to_string()
    };
    list::insert(
        text,
        src.file,
        &src.style,
        c,
        items.len().checked_sub(1),
        &new,
        Lang::TypeScript,
    )
}

/// The argument list `( ... )` of the table call, found from the name argument.
pub fn table_call_args(src: &Src, table: &Table) -> Option<Span> {
    let text = src.text;
    let before = text[..table.anchor.start()].trim_end();
    if !before.ends_with('(') {
        return None;
    }
    let open = before.len() - 1;
    let close = matching_close(text, open, Lang::TypeScript)?;
    Some(Span::new(open, close + 1))
}

fn new_extra(src: &Src, table: &Table, item: &str) -> Option<Vec<Edit>> {
    let text = src.text;
    let args = table_call_args(src, table)?;
    let items = list::items(text, args, Lang::TypeScript);
    if items.len() != 2 {
        return None;
    }
    let last = items[1];
    let one_per_line = items.iter().all(|it| {
        text[line_start(text, it.span.start())..it.span.start()]
            .trim()
            .is_empty()
    });
    let base = if one_per_line {
        line_indent(text, items[0].span.start())
    } else {
        line_indent(text, last.span.end())
    };
    let eol = src.style.eol;
    let ind = &src.style.indent;
    let tc = if src.style.trailing_commas { "," } else { "" };
    let cb = format!("(t) => [{eol}{base}{ind}{item}{tc}{eol}{base}]");
    list::insert(
        text,
        src.file,
        &src.style,
        args,
        Some(1),
        &cb,
        Lang::TypeScript,
    )
}

/// The own (not spread, not helper) column of `table` with property key `key`,
/// written in `src`'s columns object.
pub fn own_column<'t>(src: &Src, table: &'t Table, key: &str) -> Option<&'t Column> {
    table
        .columns
        .iter()
        .find(|c| {
            c.key == key
                && c.file == src.file
                && table.body_span.start() <= c.span.start()
                && c.span.end() <= table.body_span.end()
        })
        .map(|c| &**c)
}

/// Edits adding a `FOR ALL` tenant-isolation `pgPolicy` named `name` (permissive,
/// or restrictive when `restrictive`: beside other permissive policies, which
/// PostgreSQL ORs with a permissive one, only a restrictive policy isolates)
/// to the extra config of `table`: `USING` and `WITH CHECK` both compare the
/// column with property key `column_key` with `(select current_setting('<setting>')
/// <cast>)`. `pgPolicy` (pg-core) and `sql` (`drizzle-orm`) are imported when
/// missing. The policy object is laid out one property per line when the item
/// lands on its own line, inline otherwise. `None` when the extra config cannot
/// take an item.
pub fn add_policy(
    src: &Src,
    table: &Table,
    name: &str,
    column_key: &str,
    setting: &str,
    cast: &str,
    restrictive: bool,
) -> Option<Vec<Edit>> {
    const MARK: &str = "__greyhaven_policy__";
    let param = extra_param(table)?;
    let (pg_policy, pg_import) = pg_core(src, "pgPolicy");
    let (sql, sql_import) = src.ts_import("drizzle-orm", "sql");
    let column = if is_identifier(column_key) {
        format!("{param}.{column_key}")
    } else {
        format!("{param}[{}]", src.style.quoted(column_key))
    };
    // The setting goes into a SQL literal inside a template literal.
    let setting = super::escape::ts_template(&super::escape::sql_literal(setting)?);
    let expr = format!("{sql}`${{{column}}} = (select current_setting('{setting}'){cast})`");
    let q = |s: &str| src.style.quoted(s);
    let props = [
        format!(
            "as: {}",
            q(if restrictive {
                "restrictive"
            } else {
                "permissive"
            })
        ),
        format!("for: {}", q("all")),
        format!("using: {expr}"),
        format!("withCheck: {expr}"),
    ];
    let mut edits = insert_extra(src, table, "tenantIsolation", MARK)?;
    // Where did the item land? Lay the object out from that line's indentation.
    let placed = super::edit::apply(src.text, &edits).ok()?;
    let at = placed.find(MARK)?;
    let own_line = placed[line_start(&placed, at)..at].trim().is_empty()
        || placed[line_start(&placed, at)..at].trim().ends_with(':');
    let item = if own_line {
        let base = line_indent(&placed, at);
        let inner = format!("{base}{}", src.style.indent);
        let eol = src.style.eol;
        let tc = if src.style.trailing_commas { "," } else { "" };
        format!(
            "{pg_policy}({}, {{{eol}{inner}{}{tc}{eol}{base}}})",
            q(name),
            props.join(&format!(",{eol}{inner}"))
        )
    } else {
        format!("{pg_policy}({}, {{ {} }})", q(name), props.join(", "))
    };
    for e in &mut edits {
        e.text = e.text.replace(MARK, &item);
    }
    edits.extend(pg_import);
    edits.extend(sql_import);
    Some(edits)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::edit::apply;
    use crate::model::{FileId, FileModel, SourceKind};

    struct Fx {
        text: String,
        model: FileModel,
    }

    fn fx(text: &str) -> Fx {
        let mut p = crate::extract::parser_for(Lang::TypeScript, false).expect("parser");
        let tree = p.parse(text, None).expect("tree");
        let model = crate::extract::drizzle::extract(text, &tree, SourceKind::Drizzle);
        Fx {
            text: text.to_string(),
            model,
        }
    }

    impl Fx {
        fn src(&self) -> Src<'_> {
            Src {
                file: FileId(0),
                path: Path::new("/p/src/db/schema.ts"),
                text: &self.text,
                model: &self.model,
                style: crate::fix::style::detect(&self.text, Lang::TypeScript),
                lang: Lang::TypeScript,
                imports: None,
            }
        }
        fn table(&self) -> &Table {
            &self.model.tables[0]
        }
    }

    fn run(edits: Vec<Edit>, text: &str) -> String {
        apply(text, &edits).unwrap()
    }

    fn index_item(f: &Fx) -> (String, Vec<Edit>) {
        let src = f.src();
        let (idx, imp) = pg_core(&src, "index");
        let p = extra_param(f.table()).unwrap();
        let mut edits = insert_extra(
            &src,
            f.table(),
            "tenantIdIdx",
            &format!(
                "{idx}({}).on({p}.tenant_id)",
                src.style.quoted("users_tenant_id_idx")
            ),
        )
        .unwrap();
        edits.extend(imp);
        (run(edits.clone(), &f.text), edits)
    }

    #[test]
    fn column_after_id_matches_layout() {
        let f = fx(
            "import { pgTable, uuid, text } from \"drizzle-orm/pg-core\";\n\nexport const users = pgTable(\"users\", {\n  id: uuid(\"id\").primaryKey(),\n  name: text(\"name\"),\n});\n",
        );
        let src = f.src();
        let e = insert_column(
            &src,
            f.table(),
            Place::After(&["id"]),
            "tenant_id: uuid(\"tenant_id\")",
        )
        .unwrap();
        assert_eq!(
            run(e, &f.text),
            "import { pgTable, uuid, text } from \"drizzle-orm/pg-core\";\n\nexport const users = pgTable(\"users\", {\n  id: uuid(\"id\").primaryKey(),\n  tenant_id: uuid(\"tenant_id\"),\n  name: text(\"name\"),\n});\n"
        );
        // No id, tabs, CRLF, no trailing comma: appended last.
        let f = fx(
            "import { pgTable, text } from 'drizzle-orm/pg-core'\r\n\r\nexport const users = pgTable('users', {\r\n\tname: text('name')\r\n})\r\n",
        );
        let src = f.src();
        let e = insert_column(&src, f.table(), Place::After(&["id"]), "x: text('x')").unwrap();
        assert_eq!(
            run(e, &f.text),
            "import { pgTable, text } from 'drizzle-orm/pg-core'\r\n\r\nexport const users = pgTable('users', {\r\n\tname: text('name'),\r\n\tx: text('x')\r\n})\r\n"
        );
        let e = insert_column(&src, f.table(), Place::Start, "id: uuid('id')").unwrap();
        assert_eq!(
            run(e, &f.text),
            "import { pgTable, text } from 'drizzle-orm/pg-core'\r\n\r\nexport const users = pgTable('users', {\r\n\tid: uuid('id'),\r\n\tname: text('name')\r\n})\r\n"
        );
    }

    #[test]
    fn modifier_follows_chain_layout() {
        let f = fx(
            "import { pgTable, uuid } from \"drizzle-orm/pg-core\";\nexport const a = pgTable(\"a\", {\n  tenant_id: uuid(\"tenant_id\")\n    .references(() => t.id),\n  b: uuid(\"b\"),\n});\n",
        );
        let src = f.src();
        let t = f.table();
        let out = run(
            vec![
                append_modifier(&src, &t.columns[0], ".notNull()"),
                append_modifier(&src, &t.columns[1], ".notNull()"),
            ],
            &f.text,
        );
        assert!(
            out.contains(
                "    .references(() => t.id)\n    .notNull(),\n  b: uuid(\"b\").notNull(),"
            ),
            "{out}"
        );
    }

    #[test]
    fn extra_config_forms() {
        let head = "import { pgTable, uuid, index } from \"drizzle-orm/pg-core\";\n";
        // Array.
        let f = fx(&format!(
            "{head}export const users = pgTable(\"users\", {{\n  tenant_id: uuid(\"tenant_id\"),\n}}, (table) => [\n  index(\"a\").on(table.id),\n]);\n"
        ));
        let (out, _) = index_item(&f);
        assert!(out.contains("(table) => [\n  index(\"a\").on(table.id),\n  index(\"users_tenant_id_idx\").on(table.tenant_id),\n]);"), "{out}");
        // Object: generated key, unique.
        let f = fx(&format!(
            "{head}export const users = pgTable(\"users\", {{\n  tenant_id: uuid(\"tenant_id\"),\n}}, (t) => ({{\n  tenantIdIdx: index(\"a\").on(t.id),\n}}));\n"
        ));
        let (out, _) = index_item(&f);
        assert!(out.contains("  tenantIdIdx: index(\"a\").on(t.id),\n  tenantIdIdx2: index(\"users_tenant_id_idx\").on(t.tenant_id),\n}));"), "{out}");
        // Block returning an object.
        let f = fx(&format!(
            "{head}export const users = pgTable(\"users\", {{\n  tenant_id: uuid(\"tenant_id\"),\n}}, (t) => {{\n  return {{ a: index(\"a\").on(t.id) }};\n}});\n"
        ));
        let (out, _) = index_item(&f);
        assert!(out.contains("return { a: index(\"a\").on(t.id), tenantIdIdx: index(\"users_tenant_id_idx\").on(t.tenant_id) };"), "{out}");
        // Block returning an array.
        let f = fx(&format!(
            "{head}export const users = pgTable(\"users\", {{\n  tenant_id: uuid(\"tenant_id\"),\n}}, (t) => {{\n  return [];\n}});\n"
        ));
        let (out, _) = index_item(&f);
        assert!(
            out.contains("return [index(\"users_tenant_id_idx\").on(t.tenant_id)];"),
            "{out}"
        );
    }

    #[test]
    fn new_extra_argument_and_imports() {
        // No semicolons, single quotes, index not imported yet.
        let f = fx(
            "import { pgTable, uuid } from 'drizzle-orm/pg-core'\n\nexport const users = pgTable('users', {\n  tenant_id: uuid('tenant_id'),\n})\n",
        );
        let (out, _) = index_item(&f);
        assert_eq!(
            out,
            "import { pgTable, uuid, index } from 'drizzle-orm/pg-core'\n\nexport const users = pgTable('users', {\n  tenant_id: uuid('tenant_id'),\n}, (t) => [\n  index('users_tenant_id_idx').on(t.tenant_id),\n])\n"
        );
        // Namespace import.
        let f = fx(
            "import * as p from \"drizzle-orm/pg-core\";\n\nexport const users = p.pgTable(\"users\", {\n  tenant_id: p.uuid(\"tenant_id\"),\n});\n",
        );
        let (out, _) = index_item(&f);
        assert!(
            out.contains("}, (t) => [\n  p.index(\"users_tenant_id_idx\").on(t.tenant_id),\n]);"),
            "{out}"
        );
        assert!(
            out.starts_with("import * as p from \"drizzle-orm/pg-core\";\n\n"),
            "{out}"
        );
        // Aliased import; arguments one per line.
        let f = fx(
            "import { pgTable as table, uuid, index as ix } from \"drizzle-orm/pg-core\";\n\nexport const users = table(\n  \"users\",\n  {\n    tenant_id: uuid(\"tenant_id\"),\n  },\n);\n",
        );
        let (out, _) = index_item(&f);
        assert!(out.contains("  {\n    tenant_id: uuid(\"tenant_id\"),\n  },\n  (t) => [\n    ix(\"users_tenant_id_idx\").on(t.tenant_id),\n  ],\n);"), "{out}");
    }

    #[test]
    fn relative_modules() {
        let m = |a: &str, b: &str, js| relative_module(Path::new(a), Path::new(b), js).unwrap();
        assert_eq!(m("/p/db/users.ts", "/p/db/tenants.ts", false), "./tenants");
        assert_eq!(
            m("/p/db/a/users.ts", "/p/db/tenants.ts", true),
            "../tenants.js"
        );
        assert_eq!(
            m("/p/db/users.ts", "/p/db/x/tenants.ts", false),
            "./x/tenants"
        );
    }
}
