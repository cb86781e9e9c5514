//! Bytes on the wire against a loopback server: method, path, JSON body, headers; and what a
//! success response turns into.

use std::time::Duration;

use crate::support::*;
use serde_json::json;
use telnyx_rooms::{Client, ErrorKind};
use wiremock::{MockServer, ResponseTemplate};

/// The headers a request may carry: the standard ones reqwest sets and the documented bearer
/// key. Anything else (progenitor's `api-version`, say) is undocumented and fails the test.
const ALLOWED_HEADERS: [&str; 7] = [
    "host",
    "accept",
    "content-type",
    "content-length",
    "user-agent",
    "authorization",
    "accept-encoding",
];

fn assert_only_documented_headers(request: &wiremock::Request) {
    for (name, _) in request.headers.iter() {
        assert!(
            ALLOWED_HEADERS.contains(&name.as_str()),
            "undocumented header sent: {name}"
        );
    }
}

#[tokio::test]
async fn create_sends_exact_request_with_bearer_key_and_decodes_the_token() {
    let server = server_answering(
        create_path(),
        created()
            .insert_header("x-request-id", "req-create-1")
            .insert_header("date", "Mon, 22 Apr 2030 12:14:55 GMT"),
    )
    .await;
    let (client, _) = client_for(&server).await;

    let created = client
        .create_client_token(ROOM_ID)
        .token_ttl(Duration::from_secs(900))
        .refresh_token_ttl(Duration::from_secs(7200))
        .await
        .expect("created");

    let request = &only_request(&server, "POST", &create_path()).await;
    assert_eq!(request.url.query(), None);
    assert_eq!(
        std::str::from_utf8(&request.body).expect("utf-8"),
        r#"{"refresh_token_ttl_secs":7200,"token_ttl_secs":900}"#
    );
    assert_eq!(
        header(request, "authorization"),
        format!("Bearer {API_KEY}")
    );
    assert_eq!(header(request, "content-type"), "application/json");
    assert_eq!(
        header(request, "user-agent"),
        format!("telnyx-rooms-rust/{}", env!("CARGO_PKG_VERSION"))
    );
    assert!(request.headers.get("api-version").is_none());
    assert_only_documented_headers(request);

    assert_eq!(created.room_id().to_string(), ROOM_ID);
    assert_eq!(created.token().expose(), CLIENT_TOKEN);
    assert_eq!(created.refresh_token().expose(), REFRESH_TOKEN);
    assert_eq!(
        created.expires_at().to_rfc3339(),
        "2030-04-22T12:24:55+00:00"
    );
    assert_eq!(
        created.refresh_token_expires_at().to_rfc3339(),
        "2030-04-22T13:14:55+00:00"
    );
    assert_eq!(created.request_id(), Some("req-create-1"));
    assert_eq!(
        created
            .server_date()
            .map(|date| date.to_rfc3339())
            .as_deref(),
        Some("2030-04-22T12:14:55+00:00")
    );
    assert!(!created.is_expired_at(created.server_date().expect("date")));
    assert_eq!(
        created.time_left(created.server_date().expect("date")),
        Duration::from_secs(600)
    );
}

#[tokio::test]
async fn unset_ttls_are_absent_from_the_body() {
    let server = server_answering(create_path(), created()).await;
    serve(&server, refresh_path(), refreshed()).await;
    let (client, _) = client_for(&server).await;

    client.create_client_token(ROOM_ID).await.expect("created");
    client
        .create_client_token(ROOM_ID)
        .refresh_token_ttl(Duration::from_secs(60))
        .await
        .expect("created");
    client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .await
        .expect("refreshed");

    let bodies: Vec<String> = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .map(|request| String::from_utf8(request.body.clone()).expect("utf-8"))
        .collect();
    assert_eq!(
        bodies,
        vec![
            "{}".to_owned(),
            r#"{"refresh_token_ttl_secs":60}"#.to_owned(),
            format!(r#"{{"refresh_token":"{REFRESH_TOKEN}"}}"#),
        ]
    );
}

#[tokio::test]
async fn refresh_never_sends_the_api_key() {
    let server = server_answering(
        refresh_path(),
        refreshed().insert_header("x-request-id", "req-refresh-1"),
    )
    .await;
    let (client, _) = client_for(&server).await;
    assert!(client.has_api_key());

    let refreshed = client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .token_ttl(Duration::from_secs(10))
        .await
        .expect("refreshed");

    let request = &only_request(&server, "POST", &refresh_path()).await;
    assert_eq!(
        std::str::from_utf8(&request.body).expect("utf-8"),
        format!(r#"{{"refresh_token":"{REFRESH_TOKEN}","token_ttl_secs":10}}"#)
    );
    assert!(
        request.headers.get("authorization").is_none(),
        "the spec's security: [] means no key on refresh"
    );
    assert!(request.headers.get("api-version").is_none());
    assert_only_documented_headers(request);
    assert_eq!(refreshed.token().expose(), NEW_CLIENT_TOKEN);
    assert_eq!(
        refreshed.expires_at().to_rfc3339(),
        "2030-04-22T12:34:55+00:00"
    );
    assert_eq!(refreshed.request_id(), Some("req-refresh-1"));
    assert_eq!(refreshed.room_id().to_string(), ROOM_ID);
}

#[tokio::test]
async fn a_client_without_key_refreshes_but_refuses_to_create_before_io() {
    let server = server_answering(refresh_path(), refreshed()).await;
    let client = Client::builder()
        .base_url(base_url(&server))
        .build()
        .expect("client");
    assert!(!client.has_api_key());

    let error = client
        .create_client_token(ROOM_ID)
        .await
        .expect_err("no key");
    assert_eq!(error.kind(), ErrorKind::MissingApiKey);
    assert_eq!(error.attempts(), 0);
    client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .await
        .expect("refresh works without a key");
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn invalid_input_is_refused_before_any_io() {
    let server = MockServer::start().await;
    let (client, _) = client_for(&server).await;

    let not_uuid = client
        .create_client_token("room-42")
        .await
        .expect_err("not a uuid");
    assert_eq!(
        (not_uuid.kind(), not_uuid.field()),
        (ErrorKind::InvalidRequest, Some("room_id"))
    );

    // A TTL past the spec's bounds, what it names, the name on the wire, and the bounds shown.
    let out_of_bounds = [
        (
            client
                .create_client_token(ROOM_ID)
                .token_ttl(Duration::from_secs(9)),
            "token_ttl",
            "token_ttl_secs",
            "10..=3600",
        ),
        (
            client
                .create_client_token(ROOM_ID)
                .refresh_token_ttl(Duration::from_secs(86_401)),
            "refresh_token_ttl",
            "refresh_token_ttl_secs",
            "60..=86400",
        ),
    ];
    for (request, field, wire, bounds) in out_of_bounds {
        let error = request.await.expect_err(field);
        assert_eq!(
            (error.field(), error.wire_field()),
            (Some(field), Some(wire))
        );
        assert!(error.to_string().contains(bounds), "{error}");
    }
    let fractional = client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .token_ttl(Duration::from_millis(1500))
        .await
        .expect_err("fractional");
    assert_eq!(fractional.field(), Some("token_ttl"));
    let empty = client
        .refresh_client_token(ROOM_ID, "")
        .await
        .expect_err("empty refresh token");
    assert_eq!(empty.field(), Some("refresh_token"));

    assert_eq!(request_count(&server).await, 0);
}

#[tokio::test]
async fn unknown_fields_are_ignored_and_a_200_with_the_documented_body_is_accepted() {
    let server = MockServer::start().await;
    let mut body = created_body();
    body["data"]["new_field"] = json!({"nested": [1, 2]});
    body["meta"] = json!("extra");
    serve(
        &server,
        create_path(),
        ResponseTemplate::new(201).set_body_json(body),
    )
    .await;
    serve(
        &server,
        refresh_path(),
        ResponseTemplate::new(200).set_body_json(refreshed_body()),
    )
    .await;
    let (client, _) = client_for(&server).await;

    let created = client.create_client_token(ROOM_ID).await.expect("created");
    assert_eq!(created.token().expose(), CLIENT_TOKEN);
    let refreshed = client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .await
        .expect("200 accepted");
    assert_eq!(refreshed.token().expose(), NEW_CLIENT_TOKEN);
}

#[tokio::test]
async fn user_agent_suffix_and_trailing_slash_base_url() {
    let server = server_answering(refresh_path(), refreshed()).await;
    let client = Client::builder()
        .base_url(format!("{}/v2/", server.uri()))
        .user_agent_suffix("token-service/0.3")
        .build()
        .expect("client");
    client
        .refresh_client_token(ROOM_ID.parse::<uuid::Uuid>().expect("uuid"), REFRESH_TOKEN)
        .await
        .expect("refreshed");
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(requests[0].url.path(), refresh_path(), "no double slash");
    assert_eq!(
        header(&requests[0], "user-agent"),
        format!(
            "telnyx-rooms-rust/{} token-service/0.3",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused() {
    let error = Client::builder()
        .api_key(API_KEY)
        .base_url("http://api.telnyx.com/v2")
        .build()
        .expect_err("clear text");
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(!error.to_string().contains(API_KEY));
    Client::builder()
        .api_key(API_KEY)
        .base_url("http://localhost:4010/v2")
        .build()
        .expect("loopback http is allowed for mocks");
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = server_answering(
        create_path(),
        ResponseTemplate::new(307).insert_header("location", "http://127.0.0.1:9/elsewhere"),
    )
    .await;
    let (error, _) = create_error_at(&base_url(&server), |builder| builder).await;
    assert_eq!(
        error.kind(),
        ErrorKind::Api,
        "a redirect is an answer, not a hop"
    );
    assert_eq!(error.status(), Some(307));
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn a_caller_built_http_client_from_the_sdk_builder_keeps_the_user_agent() {
    let server = server_answering(refresh_path(), refreshed()).await;
    let http = telnyx_rooms::http_client_builder(Some("proxy-app/2"))
        .expect("builder")
        .pool_max_idle_per_host(1)
        .build()
        .expect("reqwest client");
    let client = Client::builder()
        .base_url(base_url(&server))
        .http_client(http)
        .build()
        .expect("client");
    client
        .refresh_client_token(ROOM_ID, REFRESH_TOKEN)
        .await
        .expect("refreshed");
    let requests = server.received_requests().await.expect("recorded");
    assert_eq!(
        header(&requests[0], "user-agent"),
        format!(
            "telnyx-rooms-rust/{} proxy-app/2",
            env!("CARGO_PKG_VERSION")
        )
    );
}
