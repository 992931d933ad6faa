//! Treazure's OAuth2 client-credentials tokens (documented: valid one hour, not refreshable,
//! "replace the token after 55 minutes"), shared by every thread of a client.

use std::time::{Duration, Instant};

use crate::error::Result;
use crate::http::HttpRequest;
use crate::log::Level;
use crate::percent::encode_component;
use crate::providers::Call;
use crate::providers::token::{Authorized, Token, TokenCache, send_authorized};
use crate::providers::wire::read_json;

use super::wire::{self, TokenAnswer};

/// A token is replaced this long before it expires (at most a twelfth of its lifetime).
const RENEW_EARLY: Duration = Duration::from_secs(5 * 60);

/// A client's credentials and its current token.
pub(crate) struct Auth {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: String,
    pub tokens: TokenCache,
}

impl Auth {
    /// A token, fetched (once for all threads) when there is none or it is about to expire.
    fn token(&self, call: &Call) -> Result<String> {
        self.tokens.get(|_| {
            let form = format!(
                "grant_type=client_credentials&client_id={}&client_secret={}&scope={}",
                encode_component(&self.client_id),
                encode_component(&self.client_secret),
                encode_component(&self.scope)
            );
            let request = HttpRequest::post_text(
                self.token_url.clone(),
                wire::TOKEN_PATH.into(),
                "application/x-www-form-urlencoded",
                form,
            );
            let response = call.read(&request).map_err(|f| f.error(super::ID))?;
            if response.status != 200 {
                return Err(wire::token_error(&response).into());
            }
            let answer = read_json::<TokenAnswer>(wire::NAME, &response)?.parsed;
            call.remember_secret(&answer.access_token);
            let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
            call.log(Level::Debug, || format!("new token, valid {} s", lifetime.as_secs()));
            Ok(Token {
                value: answer.access_token,
                refresh: None,
                renew_at: Instant::now() + lifetime.saturating_sub(RENEW_EARLY.min(lifetime / 12)),
            })
        })
    }

    /// Gets a token now unless a valid one is at hand (for `vl_prepare`).
    pub fn warm(&self, call: &Call) -> Result<()> {
        self.token(call).map(drop)
    }

    /// Sends a request with the token; after a 401, once more with a new one.
    pub fn authorized(&self, call: &Call, build: impl Fn(&str) -> HttpRequest, is_read: bool) -> Authorized {
        send_authorized(call, &self.tokens, |_| self.token(call), 1, build, is_read)
    }
}
