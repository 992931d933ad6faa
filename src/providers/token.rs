//! A bearer token shared by every thread of a client: fetched once, renewed before it expires,
//! forgotten when the provider refuses it.

use std::sync::Mutex;
use std::time::Instant;

use crate::call::Call;
use crate::error::{Error, Result};
use crate::http::{Failure, HttpRequest, HttpResponse};
use crate::log::Level;
use crate::transaction::{self, Answer, Attempt};

/// A token and what is needed to renew it.
#[derive(Clone, Debug)]
pub struct Token {
    /// The bearer token (a secret).
    pub value: String,
    /// A refresh token, for providers that have one (a secret).
    pub refresh: Option<String>,
    /// When to stop using it and fetch a new one.
    pub renew_at: Instant,
}

/// The current token of a client.
#[derive(Default)]
pub struct TokenCache {
    slot: Mutex<Option<Token>>,
}

impl TokenCache {
    /// The current token; when there is none or it is due, `fetch` gets a new one (given the old
    /// one, for a refresh). The lock is held while fetching, so threads that need a token at the
    /// same time wait for one fetch instead of each fetching their own.
    pub fn get(&self, fetch: impl FnOnce(Option<&Token>) -> Result<Token>) -> Result<String> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = slot.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let fresh = fetch(slot.as_ref())?;
        let value = fresh.value.clone();
        *slot = Some(fresh);
        Ok(value)
    }

    /// Marks `value` as refused (HTTP 401): the next `get` fetches a new token. A token fetched
    /// meanwhile by another thread is kept.
    pub fn refused(&self, value: &str) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = slot.as_mut().filter(|t| t.value == value) {
            token.renew_at = Instant::now();
        }
    }
}

/// What came of sending one request with a bearer token.
pub enum Authorized {
    /// An answer (whatever its status).
    Answer(HttpResponse),
    /// No usable answer.
    Failed(Failure),
    /// No token could be obtained: nothing was sent.
    NoToken(Error),
}

impl Authorized {
    /// For a read: the answer, or the error.
    pub fn into_read(self, provider: &'static str) -> Result<HttpResponse> {
        match self {
            Authorized::Answer(r) => Ok(r),
            Authorized::Failed(f) => Err(f.error(provider)),
            Authorized::NoToken(e) => Err(e),
        }
    }

    /// For a money-moving request: what the attempt came to, by the engine's rule (without a
    /// token nothing was sent: refused).
    pub fn attempt<T>(
        self,
        provider: &'static str,
        read: impl FnOnce(&HttpResponse) -> Answer<(T, crate::json::Raw)>,
    ) -> Attempt<T> {
        match self {
            Authorized::Answer(r) => transaction::attempt(provider, Ok(r), read),
            Authorized::Failed(f) => transaction::attempt(provider, Err(f), read),
            Authorized::NoToken(e) => Attempt::Refused(e),
        }
    }
}

/// Sends `build(token)` with the token `token(0)`. After an HTTP 401 the token is reported refused
/// and `token(n)` is asked for a new one, at most `renewals` times. A refused request was not
/// processed, so even a money-moving one may be sent again this way.
pub fn send_authorized(
    call: &Call,
    tokens: &TokenCache,
    token: impl Fn(usize) -> Result<String>,
    renewals: usize,
    build: impl Fn(&str) -> HttpRequest,
    is_read: bool,
) -> Authorized {
    let mut current = match token(0) {
        Ok(t) => t,
        Err(e) => return Authorized::NoToken(e),
    };
    for attempt in 0..=renewals {
        let request = build(&current);
        let sent = if is_read { call.read(&request) } else { call.send(&request) };
        let response = match sent {
            Ok(r) => r,
            Err(f) => return Authorized::Failed(f),
        };
        if response.status != 401 || attempt == renewals {
            return Authorized::Answer(response);
        }
        call.log(Level::Info, || "the token was refused (HTTP 401): renewing it".into());
        tokens.refused(&current);
        current = match token(attempt + 1) {
            Ok(t) => t,
            Err(e) => return Authorized::NoToken(e),
        };
    }
    unreachable!("the last attempt returns")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn token(value: &str, valid: Duration) -> Token {
        Token { value: value.into(), refresh: None, renew_at: Instant::now() + valid }
    }

    #[test]
    fn threads_share_one_fetch() {
        let cache = TokenCache::default();
        let fetches = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let t = cache
                        .get(|_| {
                            fetches.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            Ok(token("t1", Duration::from_secs(60)))
                        })
                        .unwrap();
                    assert_eq!(t, "t1");
                });
            }
        });
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_refused_or_due_token_is_replaced_and_the_old_one_handed_to_fetch() {
        let cache = TokenCache::default();
        cache.get(|_| Ok(token("t1", Duration::from_secs(60)))).unwrap();
        cache.refused("other");
        assert_eq!(cache.get(|_| panic!("still valid")).unwrap(), "t1");
        cache.refused("t1");
        let t = cache
            .get(|old| {
                assert_eq!(old.map(|t| t.value.as_str()), Some("t1"));
                Ok(token("t2", Duration::ZERO))
            })
            .unwrap();
        assert_eq!(t, "t2");
        assert_eq!(cache.get(|_| Ok(token("t3", Duration::from_secs(60)))).unwrap(), "t3", "t2 was due at once");
    }
}
