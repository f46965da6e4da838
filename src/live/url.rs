//! The `--database-url` / `GREYHAVEN_DATABASE_URL` value: parsed into the
//! driver's configuration, its TLS mode and roots read (`sslmode`,
//! `sslrootcert`), and its one printable
//! form, [`DatabaseUrl::display`], which carries no user, password or query
//! parameters. [`DatabaseUrl::scrub`] removes the secret parts from any text
//! (driver errors included) before it is shown.

use std::str::FromStr;

/// How the connection uses TLS, from `sslmode` (default `prefer`), with
/// libpq's meanings (see `live/tls.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// `sslmode=disable`: plain TCP.
    Disable,
    /// `sslmode=allow|prefer` (the default): TLS when the server offers it,
    /// its certificate not checked.
    Prefer,
    /// `sslmode=require`: TLS or no connection; the certificate is checked
    /// against `sslrootcert` when one is given (as libpq does), else not.
    Require,
    /// `sslmode=verify-ca`: TLS, and the certificate chains to a trusted root
    /// (`sslrootcert`, else the Mozilla roots).
    VerifyCa,
    /// `sslmode=verify-full`: as `verify-ca`, and the certificate names the host.
    VerifyFull,
}

/// A parsed database URL (or libpq `key=value` string).
pub struct DatabaseUrl {
    pub config: postgres::Config,
    pub tls: TlsMode,
    /// `sslrootcert`: a PEM file of the certificates to trust.
    pub root_cert: Option<std::path::PathBuf>,
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
        let (rest, tls_params) = take_tls_params(raw)?;
        let mode = tls_params.mode;
        let mut config = postgres::Config::from_str(&rest).map_err(|e| {
            // The driver's parse errors name the option, never its value.
            format!("the database URL is not valid: {e}")
        })?;
        let tls = mode.unwrap_or(TlsMode::Prefer);
        config.ssl_mode(match tls {
            TlsMode::Disable => postgres::config::SslMode::Disable,
            TlsMode::Prefer => postgres::config::SslMode::Prefer,
            TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => {
                postgres::config::SslMode::Require
            }
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
            root_cert: tls_params.root_cert,
            display,
            secrets,
        })
    }

    /// `postgres://host[:port]/dbname`, the only form of the URL ever printed.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// `text` with every secret part of the URL replaced by `***`. The
    /// scheme of the display form is kept: a user named `postgres` must not
    /// turn `postgres://host/db` into `***://host/db` (the rest of the display
    /// is scrubbed like everything else: a database named after the password
    /// or the user is not shown).
    pub fn scrub(&self, text: &str) -> String {
        const SCHEME: &str = "postgres://";
        text.split(SCHEME)
            .map(|part| {
                let mut out = part.to_string();
                for s in &self.secrets {
                    if !s.is_empty() {
                        out = out.replace(s.as_str(), "***");
                    }
                }
                out
            })
            .collect::<Vec<_>>()
            .join(SCHEME)
    }
}

/// What the URL says about TLS (removed from what the driver parses: it
/// knows `disable|prefer|require` and no `sslrootcert`).
struct TlsParams {
    mode: Option<TlsMode>,
    root_cert: Option<std::path::PathBuf>,
}

/// Remove `sslmode` and `sslrootcert` from a URL's query or a `key=value`
/// string and read them.
fn take_tls_params(raw: &str) -> Result<(String, TlsParams), String> {
    let mode_of = |v: &str| match v {
        "disable" => Ok(TlsMode::Disable),
        "allow" | "prefer" => Ok(TlsMode::Prefer),
        "require" => Ok(TlsMode::Require),
        "verify-ca" => Ok(TlsMode::VerifyCa),
        "verify-full" => Ok(TlsMode::VerifyFull),
        other => Err(format!(
            "sslmode \"{other}\" is not one of disable, allow, prefer, require, verify-ca, verify-full"
        )),
    };
    let mut params = TlsParams {
        mode: None,
        root_cert: None,
    };
    let take = |key: &str, value: &str, params: &mut TlsParams| -> Result<bool, String> {
        match key {
            "sslmode" => params.mode = Some(mode_of(value)?),
            "sslrootcert" if value.is_empty() => {
                return Err("sslrootcert is empty".into());
            }
            "sslrootcert" if value == "system" => {
                // libpq 16's `system`: the platform's roots; here the Mozilla roots.
                params.root_cert = None;
                params.mode = params.mode.or(Some(TlsMode::VerifyFull));
            }
            "sslrootcert" => params.root_cert = Some(value.into()),
            _ => return Ok(false),
        }
        Ok(true)
    };
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        let Some((base, query)) = raw.split_once('?') else {
            return Ok((raw.to_string(), params));
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            let taken = match pair.split_once('=') {
                Some((k, v)) => take(k, &percent_decode(v), &mut params)?,
                None => false,
            };
            if !taken {
                kept.push(pair);
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return Ok((rest, params));
    }
    let mut kept = Vec::new();
    for word in raw.split_whitespace() {
        let taken = match word.split_once('=') {
            Some((k, v)) => take(k, v.trim_matches('\''), &mut params)?,
            None => false,
        };
        if !taken {
            kept.push(word);
        }
    }
    Ok((kept.join(" "), params))
}

/// `%XX` sequences decoded (a URL query value); invalid ones kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn the_display_form_survives_a_user_named_like_the_scheme() {
        let u = DatabaseUrl::parse("postgresql://postgres:pw123@127.0.0.1:5432/app").unwrap();
        let text = format!(
            "cannot connect to the database {}: role \"postgres\" failed (pw123)",
            u.display()
        );
        assert_eq!(
            u.scrub(&text),
            "cannot connect to the database postgres://127.0.0.1:5432/app: role \"***\" failed (***)"
        );
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
            TlsMode::VerifyFull
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://h/d?sslmode=verify-ca")
                .unwrap()
                .tls,
            TlsMode::VerifyCa
        );
    }

    #[test]
    fn sslrootcert_is_read_and_left_out_of_the_driver_config() {
        let u = DatabaseUrl::parse(
            "postgres://u@h/d?sslmode=verify-full&sslrootcert=%2Ftmp%2Fmy%20ca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(u.tls, TlsMode::VerifyFull);
        assert_eq!(
            u.root_cert.as_deref(),
            Some(std::path::Path::new("/tmp/my ca.pem"))
        );
        assert_eq!(u.config.get_application_name(), Some("x"));
        let u = DatabaseUrl::parse("host=h dbname=d sslrootcert='/etc/ca.pem' sslmode=require")
            .unwrap();
        assert_eq!(u.tls, TlsMode::Require);
        assert_eq!(
            u.root_cert.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        let u = DatabaseUrl::parse("postgres://h/d?sslrootcert=system").unwrap();
        assert_eq!((u.tls, u.root_cert), (TlsMode::VerifyFull, None));
        assert!(DatabaseUrl::parse("postgres://h/d?sslrootcert=").is_err());
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
