//! GonnaOrder's login: a JWT with a refresh token (renewed as GonnaOrder's own frontend does:
//! after a 401, the refresh token, then a new login), or a fixed API token. Token lifetimes are not
//! documented, so a token is used until GonnaOrder refuses it. Threads share one login.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::error::Result;
use crate::http::HttpRequest;
use crate::log::Level;
use crate::providers::Call;
use crate::providers::token::{Authorized, Token, TokenCache, send_authorized};
use crate::providers::wire::{Meaning, ProviderError, read_json};

use super::wire::{self, Login, Refreshed, Tokens};

/// How a client authenticates.
pub(crate) enum Credentials {
    /// A GonnaOrder account (username + password).
    Login { username: String, password: String },
    /// A fixed API token from the user profile.
    Fixed(String),
}

/// How hard to try for a new token after a refusal: the refresh token first, then a new login.
#[derive(Clone, Copy, PartialEq)]
enum Renewal {
    Refresh,
    Login,
}

/// A client's credentials and its current token.
pub(crate) struct Auth {
    /// `{base_url}/api/v1`.
    pub api: String,
    pub credentials: Credentials,
    pub tokens: TokenCache,
}

impl Auth {
    /// The bearer token: the fixed one, or a JWT (logging in, or refreshing after a refusal).
    fn token(&self, call: &Call, renewal: Renewal) -> Result<String> {
        let (username, password) = match &self.credentials {
            Credentials::Fixed(token) => return Ok(token.clone()),
            Credentials::Login { username, password } => (username, password),
        };
        self.tokens.get(|old| {
            if let (Renewal::Refresh, Some(refresh)) = (renewal, old.and_then(|t| t.refresh.as_deref())) {
                match self.refresh(call, refresh) {
                    Ok(token) => return Ok(token),
                    Err(e) => call
                        .log(Level::Info, || format!("refreshing the token failed ({}): logging in again", e.message)),
                }
            }
            self.login(call, username, password)
        })
    }

    /// Logs in now unless a token is at hand (for `vl_prepare`).
    pub fn warm(&self, call: &Call) -> Result<()> {
        self.token(call, Renewal::Login).map(drop)
    }

    fn login(&self, call: &Call, username: &str, password: &str) -> Result<Token> {
        let path = format!("{}{}", wire::API, wire::LOGIN);
        let request = HttpRequest::post_json(
            format!("{}{}", self.api, wire::LOGIN),
            path,
            &json!({ "username": username, "password": password }),
        );
        let response = call.read(&request).map_err(|f| f.error(super::ID))?;
        if !(200..300).contains(&response.status) {
            let mut refused = wire::error(&response);
            if matches!(response.status, 401 | 403) {
                refused.meaning = Meaning::Auth;
                refused.fallback = "GonnaOrder refused the username or password".into();
            }
            return Err(refused.into());
        }
        let tokens = read_json::<Login>(wire::NAME, &response)?.parsed.tokens;
        Ok(self.token_from(call, tokens, "login"))
    }

    fn refresh(&self, call: &Call, refresh: &str) -> Result<Token> {
        let request = HttpRequest::post_text(
            format!("{}{}", self.api, wire::REFRESH),
            format!("{}{}", wire::API, wire::REFRESH),
            "text/plain",
            refresh.into(),
        );
        let response = call.read(&request).map_err(|f| f.error(super::ID))?;
        if matches!(response.status, 401 | 403) {
            return Err(ProviderError::new(Meaning::Auth, response.status, "the refresh token was refused").into());
        }
        if !(200..300).contains(&response.status) {
            return Err(wire::error(&response).into());
        }
        let tokens = read_json::<Refreshed>(wire::NAME, &response)?.parsed.tokens();
        Ok(self.token_from(call, tokens, "refresh"))
    }

    fn token_from(&self, call: &Call, tokens: Tokens, how: &str) -> Token {
        call.remember_secret(&tokens.jwt);
        if let Some(r) = &tokens.refresh_token {
            call.remember_secret(r);
        }
        call.log(Level::Debug, || format!("new token ({how})"));
        // The lifetime is not documented: a token is replaced when GonnaOrder refuses it.
        let far = Instant::now() + Duration::from_secs(365 * 24 * 3600);
        Token { value: tokens.jwt, refresh: tokens.refresh_token, renew_at: far }
    }

    /// Sends a request with the token. After a 401: a refreshed token, then a new login (a fixed
    /// API token is not renewed).
    pub fn authorized(&self, call: &Call, build: impl Fn(&str) -> HttpRequest, is_read: bool) -> Authorized {
        let renewals = if matches!(self.credentials, Credentials::Fixed(_)) { 0 } else { 2 };
        let token = |n: usize| self.token(call, if n <= 1 { Renewal::Refresh } else { Renewal::Login });
        send_authorized(call, &self.tokens, token, renewals, build, is_read)
    }
}
