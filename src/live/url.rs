//! The `--database-url` / `GREYHAVEN_DATABASE_URL` value: parsed into the
//! driver's configuration, its TLS mode read (`sslmode`), and its one printable
//! form, [`DatabaseUrl::display`], which carries no user, password or query
//! parameters. [`DatabaseUrl::scrub`] removes the secret parts from any text
//! (driver errors included) before it is shown.

use std::str::FromStr;

/// How the connection uses TLS, from `sslmode` (default `prefer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// `sslmode=disable`: plain TCP.
    Disable,
    /// `sslmode=allow|prefer` (the default): TLS when the server offers it.
    Prefer,
    /// `sslmode=require|verify-ca|verify-full`: TLS or no connection.
    Require,
}

/// A parsed database URL (or libpq `key=value` string).
pub struct DatabaseUrl {
    pub config: postgres::Config,
    pub tls: TlsMode,
    /// `postgres://host[:port]/dbname`: no credentials, no parameters.
    display: String,
    /// The secret parts to scrub from any text: the raw value, the password,
    /// the user name.
    secrets: Vec<String>,
}

impl DatabaseUrl {
    /// Parse `raw`. The error never contains `raw` or a part of it.
    pub fn parse(raw: &str) -> Result<DatabaseUrl, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("the database URL is empty".into());
        }
        let (rest, mode) = take_sslmode(raw)?;
        let mut config = postgres::Config::from_str(&rest).map_err(|e| {
            // The driver's parse errors name the option, never its value.
            format!("the database URL is not valid: {e}")
        })?;
        let tls = mode.unwrap_or(TlsMode::Prefer);
        config.ssl_mode(match tls {
            TlsMode::Disable => postgres::config::SslMode::Disable,
            TlsMode::Prefer => postgres::config::SslMode::Prefer,
            TlsMode::Require => postgres::config::SslMode::Require,
        });
        let mut secrets = vec![raw.to_string()];
        if let Some(p) = config.get_password() {
            let p = String::from_utf8_lossy(p).into_owned();
            if !p.is_empty() {
                secrets.push(percent_encode(&p));
                secrets.push(p);
            }
        }
        if let Some(u) = config.get_user().filter(|u| u.len() > 2) {
            secrets.push(u.to_string());
        }
        // Longest first, so a password containing the user name goes whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let display = display_of(&config);
        Ok(DatabaseUrl {
            config,
            tls,
            display,
            secrets,
        })
    }

    /// `postgres://host[:port]/dbname`, the only form of the URL ever printed.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// `text` with every secret part of the URL replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if !s.is_empty() {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

/// Remove `sslmode` from a URL's query or a `key=value` string and read it
/// (the driver knows `disable|prefer|require` only; libpq's other modes map
/// onto them, and verification always happens when TLS is used).
fn take_sslmode(raw: &str) -> Result<(String, Option<TlsMode>), String> {
    let mode_of = |v: &str| match v {
        "disable" => Ok(TlsMode::Disable),
        "allow" | "prefer" => Ok(TlsMode::Prefer),
        "require" | "verify-ca" | "verify-full" => Ok(TlsMode::Require),
        other => Err(format!(
            "sslmode \"{other}\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
        )),
    };
    let mut mode = None;
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        let Some((base, query)) = raw.split_once('?') else {
            return Ok((raw.to_string(), None));
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("sslmode", v)) => mode = Some(mode_of(v)?),
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok((rest, mode));
    }
    let mut kept = Vec::new();
    for word in raw.split_whitespace() {
        match word.split_once('=') {
            Some(("sslmode", v)) => mode = Some(mode_of(v.trim_matches('\''))?),
            _ => kept.push(word),
        }
    }
    Ok((kept.join(" "), mode))
}

fn display_of(config: &postgres::Config) -> String {
    use postgres::config::Host;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) if h.contains(':') => format!("[{h}]"),
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => percent_encode(&p.to_string_lossy()),
        None => "localhost".into(),
    };
    let port = config
        .get_ports()
        .first()
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    // The database name defaults to the user name: shown then as `postgres`-like
    // names are, but a user name standing in for it is a secret.
    let db = if config.get_dbname().is_none() {
        "(default)"
    } else {
        db
    };
    format!("postgres://{host}{port}/{}", percent_encode(db))
}

/// Percent-encode everything but unreserved characters (RFC 3986).
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_no_credentials_or_parameters() {
        let u = DatabaseUrl::parse(
            "postgresql://app_user:s3cr%40t@db.example.com:6543/app?sslmode=disable&application_name=x",
        )
        .unwrap();
        assert_eq!(u.display(), "postgres://db.example.com:6543/app");
        assert_eq!(u.tls, TlsMode::Disable);
        let scrubbed = u.scrub("password s3cr@t for app_user; s3cr%40t");
        assert!(!scrubbed.contains("s3cr"), "{scrubbed}");
        assert!(!scrubbed.contains("app_user"), "{scrubbed}");
    }

    #[test]
    fn key_value_strings_and_modes() {
        let u =
            DatabaseUrl::parse("host=/tmp/sock port=5433 user=postgres dbname=x sslmode=require")
                .unwrap();
        assert_eq!(u.tls, TlsMode::Require);
        assert_eq!(u.display(), "postgres://%2Ftmp%2Fsock:5433/x");
        assert_eq!(
            DatabaseUrl::parse("postgres://h/d").unwrap().tls,
            TlsMode::Prefer
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://h/d?sslmode=verify-full")
                .unwrap()
                .tls,
            TlsMode::Require
        );
    }

    #[test]
    fn errors_never_repeat_the_value() {
        for bad in [
            "postgres://u:hunter2@h/d?sslmode=bogus",
            "postgres://u:hunter2@h:notaport/d",
            "",
        ] {
            let Err(e) = DatabaseUrl::parse(bad) else {
                panic!("{bad} parsed")
            };
            assert!(!e.contains("hunter2"), "{e}");
        }
    }
}
