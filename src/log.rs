//! Process-wide logging to the host's callback, with secrets removed before a line leaves.
//!
//! One sink for the whole process (set by `vl_set_logger`), replaceable any number of times.
//! The level check is one atomic load, so logging that is off costs nothing measurable. The sink is
//! called outside every internal lock, from whichever thread made the call.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, RwLock};

use once_cell::sync::Lazy;

/// Severity of a log line; higher is more severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u32)]
pub enum Level {
    /// Step-by-step detail (every HTTP exchange).
    Trace = 0,
    /// Detail useful when debugging an integration.
    Debug = 1,
    /// One line per operation and outcome.
    Info = 2,
    /// Something went wrong but was handled (a retry, an in-doubt answer).
    Warn = 3,
    /// An operation failed.
    Error = 4,
}

impl Level {
    /// The level with this number, if any.
    pub fn from_u32(n: u32) -> Option<Level> {
        [Level::Trace, Level::Debug, Level::Info, Level::Warn, Level::Error].into_iter().find(|l| *l as u32 == n)
    }
}

/// Where log lines go.
pub type Sink = Arc<dyn Fn(Level, &str) + Send + Sync>;

const OFF: u32 = u32::MAX;
static MIN_LEVEL: AtomicU32 = AtomicU32::new(OFF);
static SINK: Lazy<RwLock<Option<Sink>>> = Lazy::new(|| RwLock::new(None));

/// Installs `sink` for lines at `min_level` and above; `None` turns logging off.
pub fn set_sink(sink: Option<Sink>, min_level: Level) {
    let mut slot = SINK.write().unwrap_or_else(|p| p.into_inner());
    MIN_LEVEL.store(if sink.is_some() { min_level as u32 } else { OFF }, Ordering::SeqCst);
    *slot = sink;
}

/// Whether a line at `level` would be delivered. Check this before formatting a line.
#[inline]
pub fn enabled(level: Level) -> bool {
    level as u32 >= MIN_LEVEL.load(Ordering::Relaxed)
}

/// Delivers one line (already redacted) to the sink, if logging is on at this level.
pub fn emit(level: Level, line: &str) {
    if !enabled(level) {
        return;
    }
    // Clone the sink out of the lock: the callback may call vl_set_logger itself.
    let sink = SINK.read().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(sink) = sink {
        sink(level, line);
    }
}

/// Replacement text for a secret.
pub const REDACTED: &str = "[redacted]";

/// Secrets shorter than this are not searched for in text (they would match ordinary words);
/// they are still never written into a line or document in the first place.
pub(crate) const MIN_REDACTED_LEN: usize = 3;

/// The secrets of one client (API key, client secret, password, tokens), removed from every log
/// line and every provider text put in a result document. Tokens are added as they are obtained.
#[derive(Default)]
pub struct Redactor {
    secrets: RwLock<Vec<String>>,
}

impl Redactor {
    /// Adds a secret, in its plain and its URL-encoded form.
    pub fn add(&self, secret: &str) {
        if secret.len() < MIN_REDACTED_LEN {
            return;
        }
        let mut secrets = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        for form in [secret.to_string(), crate::percent::encode_component(secret)] {
            if !secrets.contains(&form) {
                secrets.push(form);
            }
        }
        // Longest first, so a secret containing another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        let mut out = text.to_string();
        for secret in secrets.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// Whether any secret occurs in `text`.
    pub fn occurs_in(&self, text: &str) -> bool {
        let secrets = self.secrets.read().unwrap_or_else(|p| p.into_inner());
        secrets.iter().any(|s| text.contains(s.as_str()))
    }

    /// Redacts every string inside a JSON value, in place.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) if self.occurs_in(s) => *s = self.redact(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| self.redact_json(v)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_plain_and_url_encoded_secrets() {
        let r = Redactor::default();
        r.add("s3cret/key+1");
        r.add("pw"); // too short to search for
        let line = r.redact("apikey=s3cret%2Fkey%2B1 and s3cret/key+1, pw");
        assert_eq!(line, "apikey=[redacted] and [redacted], pw");
    }

    #[test]
    fn redacts_inside_json() {
        let r = Redactor::default();
        r.add("tok-123456");
        let mut v = serde_json::json!({"a": ["Bearer tok-123456"], "b": {"c": "x tok-123456"}});
        r.redact_json(&mut v);
        assert!(!v.to_string().contains("tok-123456"));
    }
}
