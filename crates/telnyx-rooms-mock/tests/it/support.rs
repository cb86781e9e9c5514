//! Helpers shared by the mock's integration tests: URLs from the spec metadata and a tiny client.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_gen::operations;
use telnyx_rooms_mock::MockServer;

pub const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
pub const OTHER_ROOM: &str = "9e2a0cbe-ce66-411e-a1ac-468f0b103c9a";
pub const CREATE: Operation = operations::CREATE_ROOM_CLIENT_TOKEN;
pub const REFRESH: Operation = operations::REFRESH_ROOM_CLIENT_TOKEN;
/// The operations the mock answers; it routes every operation of the spec, and answers the
/// others 501 after validating credentials and path.
pub const ANSWERED: [Operation; 2] = [CREATE, REFRESH];

/// A plain-HTTP client. When the workspace builds the facade too, reqwest's `rustls-no-provider`
/// feature is unified in, and building any client then needs a process-wide crypto provider.
pub fn http() -> reqwest::Client {
    telnyx_rooms_testkit::tls::install_crypto_provider();
    reqwest::Client::new()
}

/// The URL of `operation` with `id` in every path parameter, built from the spec's path template.
pub fn url(server: &MockServer, operation: &Operation, id: &str) -> String {
    let path = operation
        .path_params
        .iter()
        .fold(operation.path.to_owned(), |path, param| {
            path.replace(&format!("{{{}}}", param.name), id)
        });
    format!("{}{path}", server.base_url())
}

/// A request for `operation` with its own method.
fn request(server: &MockServer, operation: &Operation, id: &str) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(operation.method.as_bytes()).expect("an HTTP method");
    http().request(method, url(server, operation, id))
}

#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).expect("a JSON body")
    }

    /// `errors[i].field` of a Telnyx error body.
    pub fn error(&self, i: usize, field: &str) -> Value {
        self.json()["errors"][i][field].clone()
    }

    pub fn data(&self, field: &str) -> String {
        self.json()["data"][field]
            .as_str()
            .unwrap_or_else(|| panic!("data.{field} in {}", self.text))
            .to_owned()
    }
}

pub struct Call {
    request: reqwest::RequestBuilder,
}

impl Call {
    pub fn new(server: &MockServer, operation: &Operation, room: &str) -> Self {
        let request = request(server, operation, room);
        let request = if operation.requires_api_key() {
            request.bearer_auth("KEY_TEST")
        } else {
            request
        };
        Self { request }
    }

    pub fn without_auth(server: &MockServer, operation: &Operation, room: &str) -> Self {
        Self {
            request: request(server, operation, room),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.request = self.request.header(name, value);
        self
    }

    pub async fn json(self, body: Value) -> Answer {
        self.send_raw(body.to_string(), "application/json").await
    }

    pub async fn raw(self, body: &str, content_type: &str) -> Answer {
        self.send_raw(body.to_owned(), content_type).await
    }

    async fn send_raw(self, body: String, content_type: &str) -> Answer {
        let response = self
            .request
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("the mock answers");
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }

    pub async fn try_json(self, body: Value) -> Result<Answer, reqwest::Error> {
        let response = self
            .request
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await?;
        Ok(Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await?,
        })
    }
}

/// Creates a token pair for `room` and returns the parsed response body.
pub async fn create(server: &MockServer, room: &str, body: Value) -> Answer {
    let answer = Call::new(server, &CREATE, room).json(body).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer
}

/// The claims of a JWT, decoded without verification.
pub fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).expect("three segments");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}
