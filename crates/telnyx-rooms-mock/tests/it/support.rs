//! Helpers shared by the mock's integration tests: URLs from the spec metadata and a tiny client.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;
use telnyx_rooms_core::meta::Operation;
use telnyx_rooms_core::time::ManualTimeSource;
use telnyx_rooms_gen::operations;
use telnyx_rooms_mock::MockServer;

/// The demo room every mock starts with (`telnyx_rooms_mock::DEMO_ROOM`).
pub const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
pub const CREATE: Operation = operations::CREATE_ROOM_CLIENT_TOKEN;
pub const REFRESH: Operation = operations::REFRESH_ROOM_CLIENT_TOKEN;
/// The token operations, whose bodies `validation.rs` checks field by field.
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

    /// The first error's `source`: the pointer or parameter it blames.
    pub fn source(&self) -> Value {
        self.error(0, "source")
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

    /// A request to `path` (after the base URL, query included) with the API key.
    pub fn at(server: &MockServer, method: &str, path: &str) -> Self {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        Self {
            request: http()
                .request(method, format!("{}{path}", server.base_url()))
                .bearer_auth("KEY_TEST"),
        }
    }

    /// A request to the mock's control endpoint `path` (`/_mock/…`, beside the base URL).
    pub fn control(server: &MockServer, method: &str, path: &str) -> Self {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        Self {
            request: http().request(method, format!("http://{}{path}", server.addr())),
        }
    }

    /// Sends no body.
    pub async fn send(self) -> Answer {
        let response = self.request.send().await.expect("the mock answers");
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
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

/// Starting a configured mock in a test, where failing to start fails the test.
pub trait Started {
    /// Starts the mock on an ephemeral loopback port.
    async fn started(self) -> MockServer;
}

impl Started for telnyx_rooms_mock::MockServerBuilder {
    async fn started(self) -> MockServer {
        self.start().await.expect("the mock starts")
    }
}

/// Refreshes a token for `room` with the refresh token of `created` (a create's answer).
pub async fn refresh_from(server: &MockServer, room: &str, created: &Answer) -> Answer {
    Call::new(server, &REFRESH, room)
        .json(serde_json::json!({"refresh_token": created.data("refresh_token")}))
        .await
}

/// A mock on a manual clock set to `unix` seconds, and the clock.
pub async fn server_at(unix: i64) -> (ManualTimeSource, MockServer) {
    let clock = ManualTimeSource::at_unix(unix);
    let server = MockServer::builder()
        .time_source(clock.clone())
        .started()
        .await;
    (clock, server)
}

/// Creates a room with `body` and returns its `data`.
pub async fn create_room(server: &MockServer, body: Value) -> Value {
    let answer = Call::at(server, "POST", "/rooms").json(body).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json()["data"].clone()
}

/// The `id` of a record's JSON.
pub fn id_of(record: &Value) -> String {
    record["id"].as_str().expect("an id").to_owned()
}

/// `field` of every record of a list's `data`.
pub fn each(list: &Value, field: &str) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("a data array")
        .iter()
        .map(|record| record[field].as_str().expect("a string field").to_owned())
        .collect()
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

/// Runs the `telnyx-rooms-mock` binary on an ephemeral loopback port with `args`, asserts it
/// refuses them with a usage error (exit code 2) before serving, and returns its standard error.
pub fn refused(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_telnyx-rooms-mock"))
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    stderr
}
