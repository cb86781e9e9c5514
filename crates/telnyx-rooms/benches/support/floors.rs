//! The hand-written clients the SDK is measured against: the equivalent floor (same timeouts and
//! typed `DateTime` expiries) and the lean floor (no timeout, `String` fields).

use std::marker::PhantomData;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use telnyx_rooms::Uuid;
use telnyx_rooms::chrono::{DateTime, Utc};

use crate::API_KEY;

// ---- the equivalent floor: plain reqwest + serde, the same request and the same checks ----

#[derive(Serialize)]
struct CreateBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token_ttl_secs: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_ttl_secs: Option<i64>,
}

#[derive(Serialize)]
struct RefreshBody<'a> {
    refresh_token: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_ttl_secs: Option<i64>,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

#[derive(Deserialize)]
pub struct CreatedData {
    token: String,
    token_expires_at: DateTime<Utc>,
    refresh_token: String,
    #[allow(dead_code)]
    refresh_token_expires_at: DateTime<Utc>,
}

#[derive(Deserialize)]
pub struct RefreshedData {
    token: String,
    #[allow(dead_code)]
    token_expires_at: DateTime<Utc>,
}

/// What a hand-written client decodes a reply's `data` into, and checks.
pub trait Reply: serde::de::DeserializeOwned {
    /// Checks what the client checks; returns the token's length.
    fn token_len(self) -> usize;
}

impl Reply for CreatedData {
    fn token_len(self) -> usize {
        assert!(self.token_expires_at > DateTime::<Utc>::UNIX_EPOCH);
        assert!(!self.refresh_token.is_empty());
        self.token.len()
    }
}

impl Reply for RefreshedData {
    fn token_len(self) -> usize {
        self.token.len()
    }
}

/// A hand-written client: one `reqwest::Client` with the SDK's `User-Agent`, the URL formatted
/// per call, a `serde_json` body, 201 checked, `data` decoded into `C` (create) or `R` (refresh).
pub struct HandWritten<C, R> {
    http: reqwest::Client,
    base_url: String,
    authorization: reqwest::header::HeaderValue,
    replies: PhantomData<fn() -> (C, R)>,
}

/// The equivalent floor: the SDK's connect and per-request timeouts, no redirects, typed
/// `DateTime<Utc>` expiries.
pub type Floor = HandWritten<CreatedData, RefreshedData>;

impl Floor {
    pub fn new(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none());
        Self::with(http, base_url)
    }
}

impl<C: Reply, R: Reply> HandWritten<C, R> {
    fn with(http: reqwest::ClientBuilder, base_url: &str) -> Self {
        let http = http
            .user_agent(concat!("telnyx-rooms-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("reqwest client");
        Self {
            http,
            base_url: base_url.to_owned(),
            authorization: format!("Bearer {API_KEY}").parse().expect("header"),
            replies: PhantomData,
        }
    }

    pub async fn create(&self, room_id: Uuid) -> usize {
        let url = format!(
            "{}/rooms/{room_id}/actions/generate_join_client_token",
            self.base_url
        );
        let request = self
            .http
            .post(url)
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .json(&CreateBody {
                refresh_token_ttl_secs: None,
                token_ttl_secs: Some(600),
            });
        send::<C>(request).await.token_len()
    }

    pub async fn refresh(&self, room_id: Uuid, refresh_token: &str) -> usize {
        let url = format!(
            "{}/rooms/{room_id}/actions/refresh_client_token",
            self.base_url
        );
        let request = self.http.post(url).json(&RefreshBody {
            refresh_token,
            token_ttl_secs: Some(600),
        });
        send::<R>(request).await.token_len()
    }
}

/// Sends, expects 201, decodes `{"data": T}`.
async fn send<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
    let response = request
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 201);
    let bytes = response.bytes().await.expect("body");
    serde_json::from_slice::<Envelope<T>>(&bytes)
        .expect("json")
        .data
}

// ---- the lean floor: the least a hand-written client does ----

/// The create response as the lean floor reads it: strings, no date parsing.
#[derive(Deserialize)]
pub struct LeanCreated {
    token: String,
    #[allow(dead_code)]
    token_expires_at: String,
    refresh_token: String,
    #[allow(dead_code)]
    refresh_token_expires_at: String,
}

#[derive(Deserialize)]
pub struct LeanRefreshed {
    token: String,
    #[allow(dead_code)]
    token_expires_at: String,
}

impl Reply for LeanCreated {
    fn token_len(self) -> usize {
        assert!(!self.refresh_token.is_empty());
        self.token.len()
    }
}

impl Reply for LeanRefreshed {
    fn token_len(self) -> usize {
        self.token.len()
    }
}

/// The lean floor: the same features and `User-Agent`, no timeout, the body decoded into `String`
/// fields.
pub type Lean = HandWritten<LeanCreated, LeanRefreshed>;

impl Lean {
    pub fn new(base_url: &str) -> Self {
        Self::with(reqwest::Client::builder(), base_url)
    }
}
