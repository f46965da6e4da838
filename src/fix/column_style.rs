//! How a file writes its columns, read from its own model and text, so that a
//! column a fix inserts looks like its neighbours: Drizzle property keys in
//! camelCase or snake_case, with or without the database name string (the name
//! is left out only where the file leaves it out and its casing maps the key to
//! the right name), the options object of the file's `timestamp(...)` columns
//! (always time-zone aware); SQLModel timestamps as `Field(default_factory=...)`,
//! `sa_column=Column(DateTime(timezone=True), ...)` or `sa_type=DateTime(...)`,
//! whichever the file's time-zone-aware timestamp columns use most.

use super::Src;
use super::list::{self, matching_close};
use super::sqlmodel;
use crate::config::Casing;
use crate::model::{Column, Lang, Span};

/// Every column written in the file's own tables and column sets.
fn file_columns<'a>(src: &'a Src) -> impl Iterator<Item = &'a Column> + 'a {
    src.model
        .tables
        .iter()
        .flat_map(|t| t.columns.iter())
        .chain(src.model.column_sets.iter().flat_map(|s| s.columns.iter()))
        .map(|c| &**c)
}

/// How a file's Drizzle columns spell their keys and names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrizzleNaming {
    /// Multi-word keys are camelCase (`createdAt`).
    pub camel: bool,
    /// Columns carry their database name string (`timestamp("created_at")`).
    pub explicit: bool,
    casing: Option<Casing>,
}

impl DrizzleNaming {
    /// Read the file's habits; `casing` is the Drizzle casing of its tables.
    /// With no evidence: snake_case keys with explicit names, or camelCase keys
    /// without names under `casing: "snake_case"`.
    pub fn of(src: &Src, casing: Option<Casing>) -> Self {
        let (mut camel, mut snake) = ([0usize; 2], [0usize; 2]);
        for c in file_columns(src) {
            let slot = usize::from(c.explicit);
            if c.key.chars().any(|ch| ch.is_ascii_uppercase()) {
                camel[slot] += 1;
            } else if c.key.trim_matches('_').contains('_') {
                snake[slot] += 1;
            }
        }
        let (c_total, s_total) = (camel[0] + camel[1], snake[0] + snake[1]);
        let use_camel = if c_total == 0 && s_total == 0 {
            casing == Some(Casing::SnakeCase)
        } else {
            c_total > s_total
        };
        let counts = if use_camel { camel } else { snake };
        let explicit = if counts == [0, 0] {
            !(use_camel && casing == Some(Casing::SnakeCase))
        } else {
            counts[1] >= counts[0]
        };
        DrizzleNaming {
            camel: use_camel,
            explicit,
            casing,
        }
    }

    /// snake_case keys with explicit names: for when the file's own spelling
    /// of a key is taken by another column.
    pub fn snake(self) -> Self {
        DrizzleNaming {
            camel: false,
            explicit: true,
            ..self
        }
    }

    /// The property key for the database name `name` (snake_case).
    pub fn key(&self, name: &str) -> String {
        if self.camel {
            super::rename::to_camel(name)
        } else {
            name.to_string()
        }
    }

    /// The builder's arguments before its options: the quoted name, or nothing
    /// when the file leaves names out and its casing maps [`Self::key`] to `name`.
    pub fn name_arg(&self, src: &Src, name: &str) -> Option<String> {
        let key = self.key(name);
        let mapped = match self.casing {
            Some(Casing::SnakeCase) => crate::model::to_snake_case(&key),
            Some(Casing::CamelCase) => super::rename::to_camel(&key),
            None => key,
        };
        (self.explicit || mapped != name).then(|| src.style.quoted(name))
    }

    /// `key: builder("name", options)` (or `builder(options)` / `builder()`),
    /// without modifiers.
    pub fn column(&self, src: &Src, name: &str, builder: &str, options: Option<&str>) -> String {
        let args: Vec<String> = self
            .name_arg(src, name)
            .into_iter()
            .chain(options.map(str::to_string))
            .collect();
        format!("{}: {builder}({})", self.key(name), args.join(", "))
    }
}

/// The top-level items of the argument list of the call that `value` starts
/// with (`timestamp("x", { ... }).notNull()` → `"x"`, `{ ... }`), with the
/// callee text.
fn first_call_args(text: &str, value: Span, lang: Lang) -> Option<(&str, Vec<Span>)> {
    let v = text.get(value.start()..value.end())?;
    let open_rel = v.find('(')?;
    let callee = v[..open_rel].trim();
    let open = value.start() + open_rel;
    let close = matching_close(text, open, lang)?;
    let items = list::items(text, Span::new(open, close + 1), lang)
        .into_iter()
        .map(|it| it.span)
        .collect();
    Some((callee, items))
}

/// The options object for a new Drizzle `timestamp(...)`: the one the file's
/// timestamp columns use most (`{ withTimezone: true, mode: "date" }`), made
/// time-zone aware when it is not; `{ withTimezone: true }` when the file has
/// none. `builder` is how the file calls `timestamp`.
pub fn drizzle_timestamp_options(src: &Src, builder: &str) -> String {
    const DEFAULT: &str = "{ withTimezone: true }";
    let text = src.text;
    let mut seen: Vec<(String, usize)> = Vec::new();
    for c in file_columns(src) {
        let Some((callee, args)) = first_call_args(text, c.value_span, Lang::TypeScript) else {
            continue;
        };
        if callee != builder {
            continue;
        }
        let Some(obj) = args
            .iter()
            .find(|s| text.as_bytes().get(s.start()) == Some(&b'{'))
        else {
            continue;
        };
        let Some(opts) = normalise_ts_options(text, *obj) else {
            continue;
        };
        match seen.iter_mut().find(|(o, _)| *o == opts) {
            Some((_, n)) => *n += 1,
            None => seen.push((opts, 1)),
        }
    }
    // The most used; the first written among equals.
    let mut best: Option<&(String, usize)> = None;
    for s in &seen {
        if best.is_none_or(|b| s.1 > b.1) {
            best = Some(s);
        }
    }
    best.map_or_else(|| DEFAULT.to_string(), |(o, _)| o.clone())
}

/// An options object on one line with `withTimezone: true` (first when it was
/// missing or false). `None` for an object the fix would not copy (spreads,
/// comments, several lines per property).
fn normalise_ts_options(text: &str, obj: Span) -> Option<String> {
    if matching_close(text, obj.start(), Lang::TypeScript) != Some(obj.end() - 1) {
        return None;
    }
    let items = list::items(text, obj, Lang::TypeScript);
    let mut props: Vec<String> = Vec::new();
    let mut tz = false;
    for it in &items {
        let t = text[it.span.start()..it.span.end()].trim();
        if t.contains('\n') || t.contains("//") || t.contains("/*") || t.starts_with("...") {
            return None;
        }
        let key = super::drizzle::item_key(t)?;
        if key == "withTimezone" {
            let value = t.split_once(':').map(|(_, v)| v.trim());
            if value == Some("true") {
                tz = true;
                props.push(t.to_string());
            }
            continue;
        }
        props.push(t.to_string());
    }
    if !tz {
        props.insert(0, "withTimezone: true".to_string());
    }
    Some(format!("{{ {} }}", props.join(", ")))
}

/// How a SQLModel file declares its time-zone-aware timestamp columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PyTimestamp {
    /// `Field(default_factory=...)` (or no time-zone-aware column at all).
    Factory,
    /// `Field(sa_column=<column>(<ty>, ...))`: `column` is the file's `Column`
    /// callee (`Column`, `sa.Column`), `ty` its type (`DateTime(timezone=True)`).
    SaColumn { column: String, ty: String },
    /// `Field(sa_type=<ty>)`.
    SaType { ty: String },
}

/// The style of the file's time-zone-aware timestamp columns, the most used
/// first (`Factory` among equals). Naive `DateTime()` columns are not copied.
pub fn py_timestamp_style(src: &Src) -> PyTimestamp {
    let text = src.text;
    let mut counts: Vec<(PyTimestamp, usize)> = vec![(PyTimestamp::Factory, 0)];
    for c in file_columns(src) {
        if !c.ty.is_timestamp() {
            continue;
        }
        let Some(args) = sqlmodel::call_args(text, c.value_span) else {
            continue;
        };
        if sqlmodel::callee(text, c.value_span) != Some("Field") {
            continue;
        }
        let style = if let Some((_, _, sa)) = sqlmodel::kwarg(text, args, "sa_column") {
            let Some((callee, items)) = first_call_args(text, sa, Lang::Python) else {
                continue;
            };
            let Some(first) = items.first() else { continue };
            let ty = text[first.start()..first.end()].trim();
            if !matches!(callee.rsplit('.').next(), Some("Column"))
                || !aware_type(ty)
                || ty.contains('\n')
            {
                continue;
            }
            PyTimestamp::SaColumn {
                column: callee.to_string(),
                ty: ty.to_string(),
            }
        } else if let Some((_, _, v)) = sqlmodel::kwarg(text, args, "sa_type") {
            let ty = text[v.start()..v.end()].trim();
            if !aware_type(ty) || ty.contains('\n') {
                continue;
            }
            PyTimestamp::SaType { ty: ty.to_string() }
        } else {
            PyTimestamp::Factory
        };
        match counts.iter_mut().find(|(s, _)| *s == style) {
            Some((_, n)) => *n += 1,
            None => counts.push((style, 1)),
        }
    }
    let mut best = 0;
    for (i, (_, n)) in counts.iter().enumerate() {
        if *n > counts[best].1 {
            best = i;
        }
    }
    counts.swap_remove(best).0
}

/// `DateTime(timezone=True)` / `sa.DateTime(timezone=True)` / `TIMESTAMP(timezone=True)`.
fn aware_type(ty: &str) -> bool {
    let compact: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    let name = compact.split('(').next().unwrap_or("");
    matches!(
        name.rsplit('.').next(),
        Some("DateTime" | "TIMESTAMP" | "TIMESTAMPTZ")
    ) && compact.contains("timezone=True")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FileId, FileModel, SourceKind};
    use std::path::Path;

    fn model(text: &str, lang: Lang) -> FileModel {
        let mut p = crate::extract::parser_for(lang, false).expect("parser");
        let tree = p.parse(text, None).expect("tree");
        match lang {
            Lang::TypeScript => crate::extract::drizzle::extract(text, &tree, SourceKind::Drizzle),
            _ => crate::extract::sqlmodel::extract(text, &tree),
        }
    }

    fn with_src<R>(text: &str, lang: Lang, f: impl FnOnce(&Src) -> R) -> R {
        let m = model(text, lang);
        let src = Src {
            file: FileId(0),
            path: Path::new("/p/schema.ts"),
            text,
            model: &m,
            style: crate::fix::style::detect(text, lang),
            lang,
            imports: None,
        };
        f(&src)
    }

    const HEAD: &str = "import { pgTable, uuid, timestamp } from \"drizzle-orm/pg-core\";\n";

    #[test]
    fn drizzle_keys_follow_the_file() {
        let camel = format!(
            "{HEAD}export const a = pgTable(\"a\", {{\n  id: uuid(\"id\"),\n  createdAt: timestamp(\"created_at\", {{ withTimezone: true, mode: \"date\" }}),\n}});\n"
        );
        with_src(&camel, Lang::TypeScript, |src| {
            let n = DrizzleNaming::of(src, None);
            assert_eq!(
                n.column(src, "deleted_at", "timestamp", Some("{}")),
                "deletedAt: timestamp(\"deleted_at\", {})"
            );
            assert_eq!(
                drizzle_timestamp_options(src, "timestamp"),
                "{ withTimezone: true, mode: \"date\" }"
            );
        });
        // Casing and no names: no name string; a snake key file keeps snake keys.
        let implicit = format!(
            "{HEAD}export const a = pgTable(\"a\", {{\n  tenantId: uuid(),\n  createdAt: timestamp({{ mode: \"string\" }}),\n}});\n"
        );
        with_src(&implicit, Lang::TypeScript, |src| {
            let n = DrizzleNaming::of(src, Some(Casing::SnakeCase));
            assert_eq!(
                n.column(src, "deleted_at", "timestamp", None),
                "deletedAt: timestamp()"
            );
            // Without casing the name must be written.
            let n = DrizzleNaming::of(src, None);
            assert_eq!(
                n.column(src, "deleted_at", "timestamp", None),
                "deletedAt: timestamp(\"deleted_at\")"
            );
            assert_eq!(
                drizzle_timestamp_options(src, "timestamp"),
                "{ withTimezone: true, mode: \"string\" }"
            );
        });
        let snake = format!(
            "{HEAD}export const a = pgTable(\"a\", {{\n  tenant_id: uuid(),\n  created_at: timestamp(),\n}});\n"
        );
        with_src(&snake, Lang::TypeScript, |src| {
            let n = DrizzleNaming::of(src, Some(Casing::SnakeCase));
            assert_eq!(
                n.column(src, "deleted_at", "timestamp", None),
                "deleted_at: timestamp()"
            );
            assert_eq!(
                drizzle_timestamp_options(src, "timestamp"),
                "{ withTimezone: true }"
            );
        });
    }

    #[test]
    fn python_timestamp_styles() {
        let sa = "from sqlalchemy import Column, DateTime\nfrom sqlmodel import Field, SQLModel\nfrom datetime import datetime\n\nclass A(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))\n";
        with_src(sa, Lang::Python, |src| {
            assert_eq!(
                py_timestamp_style(src),
                PyTimestamp::SaColumn {
                    column: "Column".into(),
                    ty: "DateTime(timezone=True)".into()
                }
            );
        });
        let naive = sa.replace("timezone=True", "");
        with_src(&naive, Lang::Python, |src| {
            assert_eq!(py_timestamp_style(src), PyTimestamp::Factory);
        });
        let ty = "import sqlalchemy as sa\nfrom sqlmodel import Field, SQLModel\nfrom datetime import datetime\n\nclass A(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True))\n";
        with_src(ty, Lang::Python, |src| {
            assert_eq!(
                py_timestamp_style(src),
                PyTimestamp::SaType {
                    ty: "sa.DateTime(timezone=True)".into()
                }
            );
        });
    }
}
