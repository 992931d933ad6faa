//! Client configuration (docs/api.md §5): the common keys. Provider keys (`api_key`, `client_id`, ...)
//! are taken by the provider module, so each provider owns its settings in one place.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use ureq::http::Uri;

use crate::error::{Error, Result};
use crate::i18n::{Lang, Zone};
use crate::request::Fields;
use crate::status::VlStatus;

/// How many days settled entries stay in a journal file unless `journal_retention_days` says
/// otherwise: a week, for the end-of-day report (also of a day that closed over a weekend or a
/// holiday) and for the support question a few days later ("Friday's voucher sale?"). Open
/// entries are kept until settled, whatever their age.
pub(crate) const DEFAULT_JOURNAL_RETENTION_DAYS: u64 = 7;

/// Default overall deadline of one call.
pub(crate) const DEFAULT_TIMEOUT_MS: u64 = 15_000;
/// Default deadline for opening a connection.
pub(crate) const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
/// Longest accepted `pos_id`, `site_id`, `operator_id`.
pub(crate) const MAX_ID_LEN: usize = 64;
/// The in-doubt window is at least this long by default, whatever the timeout: proxies and load
/// balancers hold a request for up to a minute before they give up on it (nginx
/// `proxy_read_timeout`, AWS ALB and Azure Application Gateway idle timeouts: 60 s by default).
pub(crate) const MIN_DEFAULT_IN_DOUBT_WINDOW_MS: u64 = 60_000;
/// Longest accepted `in_doubt_window_ms` (a day).
const MAX_IN_DOUBT_WINDOW_MS: u64 = 24 * 60 * 60 * 1000;

/// What to do with a money-moving operation whose answer was lost but which evidence shows
/// went through (docs/api.md §7). Default: keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InDoubtPolicy {
    /// Undo it where the provider allows, so the POS sees a clean failure.
    Reverse,
    /// Keep it and report success.
    Keep,
}

/// How receipt lines show a voucher's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReceiptCode {
    /// In full (e-guma's guide: "print the voucher code and the new balance on the receipt").
    Full,
    /// Masked as in log lines (`********KJR3`): a receipt found in the bin cannot spend a card.
    Masked,
}

/// What the library knows of a provider before reading its configuration.
pub struct ProviderDefaults {
    /// Provider id (`"eguma"`).
    pub id: &'static str,
    /// Its name for people (`"e-guma"`).
    pub name: &'static str,
    /// How its receipts show codes unless configured otherwise: as its guide asks.
    pub receipt_code: ReceiptCode,
    /// Its base URL unless configured otherwise (None: required).
    pub base_url: Option<String>,
}

/// The common part of a client configuration, validated.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    /// Provider id (`"eguma"`, ...).
    pub provider: &'static str,
    /// The provider's name for people (`"e-guma"`).
    #[serde(skip)]
    pub provider_name: &'static str,
    /// The provider's base URL, without a trailing slash.
    pub base_url: String,
    /// The provider account journal entries belong to: the base URL with its scheme and host in
    /// lower case and without a default port, so that spellings of one URL share their entries.
    #[serde(skip)]
    pub account: String,
    /// Overall deadline of one call, in milliseconds.
    pub timeout_ms: u64,
    /// Deadline for opening a connection, in milliseconds.
    pub connect_timeout_ms: u64,
    /// The journal file, when money-moving calls are journaled to disk.
    pub journal_path: Option<PathBuf>,
    /// Default POS (till) id.
    pub pos_id: Option<String>,
    /// Default site (shop) id.
    pub site_id: Option<String>,
    /// Default operator (cashier) id.
    pub operator_id: Option<String>,
    /// HTTP proxy URL.
    #[serde(serialize_with = "serialize_proxy")]
    pub proxy: Option<String>,
    /// Extra PEM root certificates.
    pub ca_file: Option<PathBuf>,
    /// See [`InDoubtPolicy`].
    pub in_doubt_policy: InDoubtPolicy,
    /// How long after a lost answer the request may still land at the provider: "not applied" is
    /// concluded from the provider's state only once it has passed. Default: 4 × `timeout_ms`, at
    /// least 60 s.
    pub in_doubt_window_ms: u64,
    /// How many days settled entries stay in the journal file (for the end-of-day report).
    pub journal_retention_days: u64,
    /// Whether plain `http://` may go to hosts other than loopback.
    pub allow_insecure_http: bool,
    /// The language of what the library writes for the cashier and the customer.
    pub language: Lang,
    /// How receipt lines show a voucher's code.
    pub receipt_code: ReceiptCode,
    /// The till's time zone for dates shown to people (None: dates are marked UTC).
    pub time_zone: Option<Zone>,
}

/// A proxy URL may carry a password: only its host is shown.
fn serialize_proxy<S: serde::Serializer>(proxy: &Option<String>, ser: S) -> Result<S::Ok, S::Error> {
    match proxy.as_deref().and_then(|p| p.parse::<Uri>().ok()) {
        Some(uri) => {
            ser.serialize_str(&format!("{}://{}", uri.scheme_str().unwrap_or("http"), uri.host().unwrap_or("?")))
        }
        None => ser.serialize_none(),
    }
}

impl Settings {
    /// Overall deadline of one call.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// Deadline for opening a connection.
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    /// Takes the common keys from `fields`. `provider` must already have been taken.
    pub fn read(fields: &mut Fields, defaults: ProviderDefaults) -> Result<Settings> {
        let ProviderDefaults { id: provider, name: provider_name, receipt_code: default_receipt_code, base_url } =
            defaults;
        let default_base_url = base_url;
        let allow_insecure_http = fields.opt_bool("allow_insecure_http")?.unwrap_or(false);
        let base_url = match (fields.opt_text("base_url", 2048)?, default_base_url) {
            (Some(url), _) => check_url(&url, "base_url", allow_insecure_http)?,
            (None, Some(default)) => check_url(&default, "base_url", allow_insecure_http)?,
            (None, None) => return Err(Error::config(format!("`base_url` is required for {provider}"))),
        };
        let timeout_ms = fields.opt_u64("timeout_ms", 100..=600_000)?.unwrap_or(DEFAULT_TIMEOUT_MS);
        let connect_timeout_ms =
            fields.opt_u64("connect_timeout_ms", 100..=600_000)?.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS.min(timeout_ms));
        if connect_timeout_ms > timeout_ms {
            return Err(Error::config(format!(
                "`connect_timeout_ms` ({connect_timeout_ms}) must not exceed `timeout_ms` ({timeout_ms})"
            )));
        }
        let journal_path = fields.opt_text("journal_path", 4096)?.map(PathBuf::from);
        if let Some(path) = journal_path.as_ref().filter(|p| !p.is_absolute()) {
            return Err(Error::config(format!(
                "`journal_path` must be absolute, not {:?}: a relative path depends on the working directory, which \
                 may differ after a restart, and the pending operations would not be found",
                path.display()
            )));
        }
        let pos_id = fields.opt_text("pos_id", MAX_ID_LEN)?;
        let site_id = fields.opt_text("site_id", MAX_ID_LEN)?;
        let operator_id = fields.opt_text("operator_id", MAX_ID_LEN)?;
        let proxy = match fields.opt_text("proxy", 2048)? {
            Some(p) => Some(check_proxy(&p)?),
            None => None,
        };
        let ca_file = fields.opt_text("ca_file", 4096)?.map(PathBuf::from);
        let in_doubt_window_ms = fields
            .opt_u64("in_doubt_window_ms", 0..=MAX_IN_DOUBT_WINDOW_MS)?
            .unwrap_or_else(|| (4 * timeout_ms).max(MIN_DEFAULT_IN_DOUBT_WINDOW_MS));
        let journal_retention_days =
            fields.opt_u64("journal_retention_days", 1..=366)?.unwrap_or(DEFAULT_JOURNAL_RETENTION_DAYS);
        let in_doubt_policy = match fields.opt_text("in_doubt_policy", 16)?.as_deref() {
            // Default "keep": the library keeps only what it has proven went through.
            None | Some("keep") => InDoubtPolicy::Keep,
            Some("reverse") => InDoubtPolicy::Reverse,
            Some(other) => {
                return Err(Error::config(format!("`in_doubt_policy` must be \"reverse\" or \"keep\", not {other:?}")));
            }
        };
        let language = match fields.opt_text("language", 16)? {
            None => Lang::default(),
            Some(code) => Lang::parse(&code).ok_or_else(|| unknown_language("language", &code, VlStatus::VL_CONFIG))?,
        };
        let receipt_code = match fields.opt_text("receipt_code", 16)?.as_deref() {
            None => default_receipt_code,
            Some("full") => ReceiptCode::Full,
            Some("masked") => ReceiptCode::Masked,
            Some(other) => {
                return Err(Error::config(format!("`receipt_code` must be \"full\" or \"masked\", not {other:?}")));
            }
        };
        let time_zone = match fields.opt_text("time_zone", 64)? {
            None => None,
            Some(name) => Some(Zone::parse(&name).ok_or_else(|| {
                Error::config(format!(
                    "`time_zone` {name:?} is neither an IANA time zone name (\"Europe/Zurich\") nor an offset (\"+01:00\")"
                ))
            })?),
        };
        Ok(Settings {
            provider,
            provider_name,
            account: account_key(&base_url),
            base_url,
            timeout_ms,
            connect_timeout_ms,
            journal_path,
            pos_id,
            site_id,
            operator_id,
            proxy,
            ca_file,
            in_doubt_policy,
            in_doubt_window_ms,
            journal_retention_days,
            allow_insecure_http,
            language,
            receipt_code,
            time_zone,
        })
    }
}

/// The error for a language the library does not write (`VL_CONFIG` in a configuration,
/// `VL_INVALID_ARGUMENT` in a request), naming the key and the languages it has.
pub fn unknown_language(key: &str, code: &str, status: VlStatus) -> Error {
    let known: Vec<&str> = Lang::ALL.iter().map(|l| l.code()).collect();
    Error::new(status, format!("`{key}` {code:?} is not a language the library writes (one of: {})", known.join(", ")))
}

/// The common keys (docs/api.md §5): every key [`Settings::read`] takes. In a configuration with
/// several providers they may stand at the top level, for every entry (docs/api.md §10).
pub(crate) const COMMON_KEYS: [&str; 16] = [
    "base_url",
    "timeout_ms",
    "connect_timeout_ms",
    "journal_path",
    "journal_retention_days",
    "pos_id",
    "site_id",
    "operator_id",
    "proxy",
    "ca_file",
    "in_doubt_policy",
    "in_doubt_window_ms",
    "allow_insecure_http",
    "language",
    "receipt_code",
    "time_zone",
];

/// Common keys that hold for the whole client, never per entry: a client has one journal.
const CLIENT_KEYS: [&str; 2] = ["journal_path", "journal_retention_days"];

/// Most entries a configuration's `providers` may have.
const MAX_ENTRIES: usize = 16;

/// The provider entries of a configuration, each ready for [`Settings::read`] and the provider's
/// own keys: the whole configuration when it names one `provider`; else one per element of
/// `providers`, each with the top-level common keys it does not set itself.
pub struct Entries {
    /// The entries, in configured order.
    pub entries: Vec<Fields>,
    /// Whether the configuration lists `providers` (docs/api.md §10).
    pub several: bool,
}

/// Splits a configuration into its provider entries (see [`Entries`]). Errors are `VL_CONFIG`
/// naming the key or the entry; `is_provider_key` tells a provider's key misplaced at the top
/// level from a typo.
pub fn entries(text: &str, is_provider_key: impl Fn(&str) -> bool) -> Result<Entries> {
    let mut top = parse(text)?;
    if !top.has("providers") {
        return Ok(Entries { entries: vec![top], several: false });
    }
    refuse_duplicate_members(text)?;
    if top.has("provider") {
        return Err(Error::config(
            "give either `provider` (a client for one provider) or `providers` (one entry per provider), not both",
        ));
    }
    let Some(Value::Array(list)) = top.take("providers") else {
        return Err(Error::config(
            "`providers` must be a list of provider entries: [{\"provider\": \"eguma\", ...}, ...]",
        ));
    };
    if list.is_empty() {
        return Err(Error::config("`providers` is empty: name at least one provider entry"));
    }
    if list.len() > MAX_ENTRIES {
        return Err(Error::config(format!("`providers` has {} entries, at most {MAX_ENTRIES}", list.len())));
    }
    let names: Vec<String> = top.names().map(str::to_string).collect();
    let mut common = Vec::with_capacity(names.len());
    for name in names {
        if name == "base_url" {
            return Err(Error::config(
                "`base_url` names one provider's server: put it in the entries of `providers`, not at the top level",
            ));
        }
        if !COMMON_KEYS.contains(&name.as_str()) {
            return Err(if is_provider_key(&name) {
                Error::config(format!(
                    "`{name}` is a provider key: put it in the entry of its provider in `providers`; only common keys \
                     stand at the top level"
                ))
            } else {
                unknown_key(&name, COMMON_KEYS.iter().copied().chain(["providers"]))
            });
        }
        let value = top.take(&name).unwrap_or(Value::Null);
        common.push((name, value));
    }
    let mut entries = Vec::with_capacity(list.len());
    for (index, item) in list.into_iter().enumerate() {
        let Value::Object(object) = item else {
            return Err(Error::config(format!(
                "providers[{index}] must be an object like {{\"provider\": \"eguma\", \"api_key\": \"...\"}}"
            )));
        };
        let mut entry = Fields::from_object(object, VlStatus::VL_CONFIG, "configuration");
        if let Some(key) = CLIENT_KEYS.iter().find(|k| entry.has(k)) {
            return Err(Error::config(format!(
                "providers[{index}]: `{key}` holds for the whole client (one journal for every provider): put it at the \
                 top level"
            )));
        }
        for (name, value) in &common {
            entry.add_default(name, value.clone());
        }
        entries.push(entry);
    }
    Ok(Entries { entries, several: true })
}

/// The error for a configuration key nobody reads, naming the nearest known key when one is
/// close (a typo must not pass for a missing key).
pub fn unknown_key<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Error {
    let typed = name.to_ascii_lowercase();
    let nearest = known
        .into_iter()
        .map(|k| {
            // A key cut short (`timeout` for `timeout_ms`) is as near as one typo.
            let cut_short = typed.len() >= 4 && (k.starts_with(typed.as_str()) || typed.starts_with(k));
            (if cut_short { 1 } else { edit_distance(&typed, k) }, k)
        })
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min_by_key(|(d, _)| *d);
    match nearest {
        Some((_, k)) => Error::config(format!("unknown field `{name}` in the configuration (did you mean `{k}`?)")),
        None => Error::config(format!("unknown field `{name}` in the configuration")),
    }
}

/// Levenshtein distance between two short ASCII keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// Refuses a configuration in which any object, at any depth, has a member twice (the top level
/// is checked by [`Fields::parse`]; the entries of `providers` and their `codes` here).
fn refuse_duplicate_members(text: &str) -> Result<()> {
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Checked;
    impl<'de> Deserialize<'de> for Checked {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
            deserializer.deserialize_any(CheckVisitor)
        }
    }
    struct CheckVisitor;
    impl<'de> Visitor<'de> for CheckVisitor {
        type Value = Checked;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Checked, A::Error> {
            let mut seen: Vec<String> = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if seen.contains(&key) {
                    return Err(de::Error::custom(format!("duplicate field `{key}`")));
                }
                map.next_value::<Checked>()?;
                seen.push(key);
            }
            Ok(Checked)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Checked, A::Error> {
            while seq.next_element::<Checked>()?.is_some() {}
            Ok(Checked)
        }
        fn visit_bool<E>(self, _: bool) -> std::result::Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_i64<E>(self, _: i64) -> std::result::Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_u64<E>(self, _: u64) -> std::result::Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_f64<E>(self, _: f64) -> std::result::Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_str<E>(self, _: &str) -> std::result::Result<Checked, E> {
            Ok(Checked)
        }
        fn visit_unit<E>(self) -> std::result::Result<Checked, E> {
            Ok(Checked)
        }
    }
    serde_json::from_str::<Checked>(text)
        .map(|_| ())
        .map_err(|e| Error::config(format!("the configuration is not a valid JSON object: {e}")))
}

/// Reads the configuration's `provider` key.
pub fn read_provider_id(fields: &mut Fields) -> Result<String> {
    fields.text("provider", 32).map_err(|e| Error::config(e.message))
}

/// Opens a configuration document for reading (errors are `VL_CONFIG`).
pub fn parse(text: &str) -> Result<Fields> {
    Fields::parse(text, VlStatus::VL_CONFIG, "configuration")
}

/// Validates a provider URL: `https://`, or `http://` to a loopback address (or anywhere with
/// `allow_insecure_http`). No credentials, query or fragment in it. Returns it without a trailing
/// slash.
pub fn check_url(url: &str, key: &str, allow_insecure_http: bool) -> Result<String> {
    let uri: Uri = url.parse().map_err(|e| Error::config(format!("`{key}` is not a valid URL: {e}")))?;
    let host = uri.host().ok_or_else(|| Error::config(format!("`{key}` has no host: {url:?}")))?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if allow_insecure_http || is_loopback(host) => {}
        Some("http") => {
            return Err(Error::config(format!(
                "`{key}` uses plain http to {host}, which is not a loopback address: use https \
                 (or set `allow_insecure_http`)"
            )));
        }
        _ => {
            return Err(Error::config(format!("`{key}` must start with https:// (got {url:?})")));
        }
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(Error::config(format!("`{key}` must not contain credentials")));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(Error::config(format!("`{key}` must not contain a query or fragment")));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// The journal key of a base URL: scheme and host in lower case, the scheme's default port left
/// out, no trailing slash (`HTTPS://API.E-guma.ch:443/` and `https://api.e-guma.ch` are one
/// account). The path is kept as written: servers may treat it case-sensitively.
pub fn account_key(base_url: &str) -> String {
    let Ok(uri) = base_url.parse::<Uri>() else { return base_url.to_string() };
    let scheme = uri.scheme_str().unwrap_or("https").to_ascii_lowercase();
    let host = uri.host().unwrap_or_default().to_ascii_lowercase();
    let port = match (scheme.as_str(), uri.port_u16()) {
        ("https", Some(443)) | ("http", Some(80)) | (_, None) => String::new(),
        (_, Some(p)) => format!(":{p}"),
    };
    let path = uri.path().trim_end_matches('/');
    format!("{scheme}://{host}{port}{path}")
}

fn check_proxy(proxy: &str) -> Result<String> {
    let uri: Uri = proxy.parse().map_err(|e| Error::config(format!("`proxy` is not a valid URL: {e}")))?;
    match (uri.scheme_str(), uri.host()) {
        (Some("http" | "https"), Some(_)) => Ok(proxy.to_string()),
        _ => Err(Error::config(
            "`proxy` must be an http:// or https:// proxy URL like \"http://proxy.local:3128\"".to_string(),
        )),
    }
}

/// Whether a URL host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`).
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> ProviderDefaults {
        ProviderDefaults {
            id: "eguma",
            name: "e-guma",
            receipt_code: ReceiptCode::Full,
            base_url: Some("https://api.e-guma.ch".into()),
        }
    }

    #[test]
    fn language_receipt_code_and_time_zone_are_checked_and_named() {
        let read = |json: &str| Settings::read(&mut parse(json).unwrap(), defaults());
        let s = read(r#"{"language":"de-CH","receipt_code":"masked","time_zone":"Europe/Zurich"}"#).unwrap();
        assert_eq!((s.language, s.receipt_code, s.time_zone.is_some()), (Lang::De, ReceiptCode::Masked, true));
        let s = read("{}").unwrap();
        assert_eq!((s.language, s.receipt_code, s.time_zone.is_none()), (Lang::En, ReceiptCode::Full, true));
        for (bad, key) in [
            (r#"{"language":"klingon"}"#, "`language`"),
            (r#"{"receipt_code":"half"}"#, "`receipt_code`"),
            (r#"{"time_zone":"Mars/Olympus"}"#, "`time_zone`"),
            (r#"{"language":7}"#, "`language`"),
        ] {
            let err = read(bad).unwrap_err();
            assert_eq!(err.status(), VlStatus::VL_CONFIG, "{bad}");
            assert!(err.message.contains(key), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert_eq!(
            check_url("http://127.0.0.1:8080/eguma/", "base_url", false).unwrap(),
            "http://127.0.0.1:8080/eguma"
        );
        assert!(check_url("http://localhost:1/x", "base_url", false).is_ok());
        assert!(check_url("http://[::1]:1/x", "base_url", false).is_ok());
        assert!(check_url("https://api.e-guma.ch", "base_url", false).is_ok());
        let err = check_url("http://api.e-guma.ch", "base_url", false).unwrap_err();
        assert_eq!(err.status(), VlStatus::VL_CONFIG);
        assert!(err.message.contains("not a loopback"), "{}", err.message);
        assert!(check_url("http://api.e-guma.ch", "base_url", true).is_ok());
        assert!(check_url("http://127.0.0.1.evil.example/x", "base_url", false).is_err());
    }

    #[test]
    fn spellings_of_one_base_url_are_one_account() {
        for spelling in ["https://api.e-guma.ch", "HTTPS://API.E-Guma.CH:443/", "https://api.e-guma.ch/"] {
            assert_eq!(account_key(spelling), "https://api.e-guma.ch", "{spelling}");
        }
        assert_eq!(account_key("HTTP://127.0.0.1:80/Eguma/"), "http://127.0.0.1/Eguma");
        assert_eq!(account_key("http://localhost:8080/eguma"), "http://localhost:8080/eguma");
    }

    #[test]
    fn the_in_doubt_window_defaults_to_four_timeouts_and_at_least_a_minute() {
        let read = |json: &str| {
            let mut fields = parse(json).unwrap();
            Settings::read(&mut fields, defaults()).map(|s| s.in_doubt_window_ms)
        };
        assert_eq!(read("{}").unwrap(), 60_000);
        assert_eq!(read(r#"{"timeout_ms":30000}"#).unwrap(), 120_000);
        assert_eq!(read(r#"{"in_doubt_window_ms":2500}"#).unwrap(), 2500);
        let err = read(r#"{"in_doubt_window_ms":-1}"#).unwrap_err();
        assert!(err.message.contains("`in_doubt_window_ms`"), "{}", err.message);
        assert_eq!(err.status(), VlStatus::VL_CONFIG);
    }

    #[test]
    fn the_journal_path_must_be_absolute() {
        let mut fields = parse(r#"{"journal_path":"voucherlink.journal"}"#).unwrap();
        let err = Settings::read(&mut fields, defaults()).unwrap_err();
        assert_eq!(err.status(), VlStatus::VL_CONFIG);
        assert!(err.message.contains("must be absolute"), "{}", err.message);
    }

    #[test]
    fn refuses_odd_urls() {
        for bad in ["ftp://x", "api.e-guma.ch", "https://", "https://u:p@host/", "https://h/?apikey=1", "not a url"] {
            assert_eq!(check_url(bad, "base_url", false).unwrap_err().status(), VlStatus::VL_CONFIG, "{bad}");
        }
    }
}
