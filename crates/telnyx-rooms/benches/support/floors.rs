//! The hand-written clients the SDK is measured against: the equivalent floor (same timeouts and
//! typed `DateTime` expiries) and the lean floor (no timeout, `String` fields).

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
struct CreatedData {
    token: String,
    token_expires_at: DateTime<Utc>,
    refresh_token: String,
    #[allow(dead_code)]
    refresh_token_expires_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct RefreshedData {
    token: String,
    #[allow(dead_code)]
    token_expires_at: DateTime<Utc>,
}

/// The equivalent floor: the SDK's connect and per-request timeouts, no redirects, typed
/// `DateTime<Utc>` expiries.
pub struct Floor {
    http: reqwest::Client,
    base_url: String,
    authorization: reqwest::header::HeaderValue,
}

impl Floor {
    pub fn new(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("telnyx-rooms-rust/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client");
        Self {
            http,
            base_url: base_url.to_owned(),
            authorization: format!("Bearer {API_KEY}").parse().expect("header"),
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
        let data: CreatedData = Self::send(request).await;
        assert!(data.token_expires_at > DateTime::<Utc>::UNIX_EPOCH);
        assert!(!data.refresh_token.is_empty());
        data.token.len()
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
        let data: RefreshedData = Self::send(request).await;
        data.token.len()
    }

    /// Sends, expects 201, decodes `{"data": T}`.
    pub async fn send<T: serde::de::DeserializeOwned>(request: reqwest::RequestBuilder) -> T {
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
}

// ---- the lean floor: the least a hand-written client does ----

/// The create response as the lean floor reads it: strings, no date parsing.
#[derive(Deserialize)]
struct LeanCreated {
    token: String,
    #[allow(dead_code)]
    token_expires_at: String,
    refresh_token: String,
    #[allow(dead_code)]
    refresh_token_expires_at: String,
}

#[derive(Deserialize)]
struct LeanRefreshed {
    token: String,
    #[allow(dead_code)]
    token_expires_at: String,
}

/// One `reqwest::Client` with the same features and `User-Agent`, no timeout; URL formatted per
/// call, `serde_json` body, 201 checked, body decoded into `String` fields.
pub struct Lean {
    http: reqwest::Client,
    base_url: String,
    authorization: reqwest::header::HeaderValue,
}

impl Lean {
    pub fn new(base_url: &str) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("telnyx-rooms-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("reqwest client");
        Self {
            http,
            base_url: base_url.to_owned(),
            authorization: format!("Bearer {API_KEY}").parse().expect("header"),
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
        let data: LeanCreated = Floor::send(request).await;
        assert!(!data.refresh_token.is_empty());
        data.token.len()
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
        let data: LeanRefreshed = Floor::send(request).await;
        data.token.len()
    }
}
