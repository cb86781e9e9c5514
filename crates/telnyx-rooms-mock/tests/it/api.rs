//! The mock's API behaviour: routes and authentication, token minting, refresh verification,
//! expiry. Body validation is in `validation.rs`.

use std::time::Duration;

use crate::support::{
    CREATE, Call, REFRESH, ROOM, Started, claims, create, create_room, id_of, refresh_from,
    server_at,
};
use serde_json::{Value, json};
use telnyx_rooms_gen::operations;
use telnyx_rooms_mock::{MockServer, TokenKind};
use uuid::Uuid;

const T0: i64 = 1_700_000_000;

fn room() -> Uuid {
    Uuid::try_parse(ROOM).expect("a UUID")
}

#[tokio::test]
async fn create_mints_access_and_refresh_tokens_whose_expiry_matches_the_claims() {
    let (_, server) = server_at(T0).await;
    let answer = create(
        &server,
        ROOM,
        json!({"token_ttl_secs": 60, "refresh_token_ttl_secs": 120}),
    )
    .await;
    assert_eq!(
        answer.headers["content-type"], "application/json",
        "{:?}",
        answer.headers
    );
    assert!(answer.headers.contains_key("x-request-id"));
    assert_eq!(answer.data("token_expires_at"), "2023-11-14T22:14:20Z");
    assert_eq!(
        answer.data("refresh_token_expires_at"),
        "2023-11-14T22:15:20Z"
    );

    let access = claims(&answer.data("token"));
    assert_eq!(access["typ"], "access");
    assert_eq!(
        (
            access["iat"].clone(),
            access["nbf"].clone(),
            access["exp"].clone()
        ),
        (json!(T0), json!(T0 - 1), json!(T0 + 60))
    );
    assert_eq!(access["aud"], "telnyx_access_token");
    assert_eq!(access["iss"], "telnyx_access_token");
    assert_eq!(access["grants_version"], "1.0.0");
    assert_eq!(access["grants"][0]["actions"], json!(["join"]));
    assert_eq!(
        access["grants"][0]["resources"],
        json!([format!("telnyx:video:rooms:{ROOM}")])
    );
    let refresh = claims(&answer.data("refresh_token"));
    assert_eq!(refresh["typ"], "refresh");
    assert_eq!(refresh["exp"], json!(T0 + 120));
    assert_ne!(access["jti"], refresh["jti"]);

    // The server's key verifies both, each only as its own kind.
    assert!(
        server
            .verify_token(&answer.data("token"), TokenKind::Client, room())
            .is_ok()
    );
    assert!(
        server
            .verify_token(&answer.data("refresh_token"), TokenKind::Refresh, room())
            .is_ok()
    );
    assert!(
        server
            .verify_token(&answer.data("token"), TokenKind::Refresh, room())
            .is_err()
    );
}

#[tokio::test]
async fn create_applies_the_spec_defaults_when_ttls_are_absent() {
    let (_, server) = server_at(T0).await;
    let answer = create(&server, ROOM, json!({})).await;
    let default = |field: &str| {
        CREATE
            .body_field(field)
            .and_then(|f| f.default)
            .expect("the spec gives a default")
    };
    assert_eq!(
        claims(&answer.data("token"))["exp"],
        json!(T0 + default("token_ttl_secs"))
    );
    assert_eq!(
        claims(&answer.data("refresh_token"))["exp"],
        json!(T0 + default("refresh_token_ttl_secs"))
    );
}

#[tokio::test]
async fn the_date_header_follows_the_injected_clock() {
    let (_, server) = server_at(T0).await;
    let answer = create(&server, ROOM, json!({})).await;
    assert_eq!(answer.headers["date"], "Tue, 14 Nov 2023 22:13:20 GMT");
}

#[tokio::test]
async fn operations_that_need_the_api_key_refuse_requests_without_it() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    for operation in operations::ALL.iter().filter(|op| op.requires_api_key()) {
        let answer = Call::without_auth(&server, operation, ROOM)
            .json(json!({}))
            .await;
        assert_eq!(answer.status, 401, "{}", operation.operation_id);
        assert_eq!(answer.error(0, "code"), "10009");
        assert_eq!(answer.error(0, "title"), "Authentication failed");

        for bad in ["Basic a2V5Og==", "Bearer", "Bearer   ", "KEY"] {
            let answer = Call::without_auth(&server, operation, ROOM)
                .header("authorization", bad)
                .json(json!({}))
                .await;
            assert_eq!(answer.status, 401, "{bad:?}");
        }
    }
}

#[tokio::test]
async fn a_configured_api_key_must_match() {
    let server = MockServer::builder().api_key("RIGHT").started().await;
    let wrong = Call::without_auth(&server, &CREATE, ROOM)
        .header("authorization", "Bearer WRONG")
        .json(json!({}))
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.error(0, "detail"), "The API key is not valid.");
    let right = Call::without_auth(&server, &CREATE, ROOM)
        .header("authorization", "Bearer RIGHT")
        .json(json!({}))
        .await;
    assert_eq!(right.status, 201);
    assert!(
        !format!("{server:?}").contains("RIGHT"),
        "Debug hides the key"
    );
}

#[tokio::test]
async fn refresh_needs_no_api_key() {
    assert!(!REFRESH.requires_api_key());
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let created = create(&server, ROOM, json!({})).await;
    let answer = Call::without_auth(&server, &REFRESH, ROOM)
        .json(json!({"refresh_token": created.data("refresh_token")}))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_error_bodies() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let http = crate::support::http();
    for path in ["/nope", "/rooms/x/actions/nope", "/../v3/rooms"] {
        let response = http
            .post(format!("{}{path}", server.base_url()))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["errors"][0]["code"], "10005");
    }
    let response = http
        .get(crate::support::url(&server, &CREATE, ROOM))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 405);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["title"], "Bad Request");
    assert_eq!(
        body["errors"][0]["detail"],
        "GET is not allowed here; use POST."
    );
    assert_eq!(server.attempts(telnyx_rooms_mock::UNMATCHED_ROUTE), 4);
}

#[tokio::test]
async fn an_id_that_is_not_a_uuid_is_refused_on_every_operation_with_one() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    for operation in operations::ALL {
        let Some(param) = operation.path_params.first() else {
            continue;
        };
        for room in [
            "not-a-uuid",
            "0ccc7b544df34bca a65a3da1ecc777f0",
            "0ccc7b544df34bcaa65a3da1ecc777f0",
            "%FF%FE",
        ] {
            let answer = Call::new(&server, operation, &room.replace(' ', "%20"))
                .json(json!({"refresh_token": "x"}))
                .await;
            assert_eq!(answer.status, 422, "{room} {}", answer.text);
            assert_eq!(answer.error(0, "code"), "10006");
            assert_eq!(answer.source(), json!({"parameter": param.name}));
        }
    }
}

#[tokio::test]
async fn refresh_with_the_token_from_create_returns_a_new_access_token() {
    let (clock, server) = server_at(T0).await;
    let created = create(&server, ROOM, json!({"refresh_token_ttl_secs": 300})).await;
    clock.advance(Duration::from_secs(100));
    let answer = Call::new(&server, &REFRESH, ROOM)
        .json(json!({"refresh_token": created.data("refresh_token"), "token_ttl_secs": 30}))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let data = answer.json()["data"].clone();
    assert_eq!(
        data.as_object().map(|d| d.len()),
        Some(2),
        "token and its expiry only: {data}"
    );
    let token = answer.data("token");
    let access = claims(&token);
    assert_eq!(access["typ"], "access");
    assert_eq!(access["iat"], json!(T0 + 100));
    assert_eq!(access["exp"], json!(T0 + 130));
    assert_eq!(answer.data("token_expires_at"), "2023-11-14T22:15:30Z");
    // The subject carries over from the refresh token.
    assert_eq!(
        access["grants"][0]["subjects"],
        claims(&created.data("refresh_token"))["grants"][0]["subjects"]
    );
    assert!(
        server
            .verify_token(&token, TokenKind::Client, room())
            .is_ok()
    );
}

async fn refresh_refusal(server: &MockServer, room: &str, token: &str) -> String {
    let answer = Call::new(server, &REFRESH, room)
        .json(json!({"refresh_token": token}))
        .await;
    assert_eq!(answer.status, 403, "{}", answer.text);
    assert_eq!(answer.error(0, "code"), "10010");
    assert_eq!(answer.source(), json!({"pointer": "/refresh_token"}));
    let detail = answer
        .error(0, "detail")
        .as_str()
        .expect("a detail")
        .to_owned();
    assert!(
        token.is_empty() || !detail.contains(token),
        "the token must not be echoed"
    );
    detail
}

#[tokio::test]
async fn refresh_refuses_an_expired_refresh_token() {
    let (clock, server) = server_at(T0).await;
    let created = create(&server, ROOM, json!({"refresh_token_ttl_secs": 60})).await;
    clock.advance(Duration::from_secs(59));
    let ok = refresh_from(&server, ROOM, &created).await;
    assert_eq!(ok.status, 201, "valid in its last second");
    clock.advance(Duration::from_secs(1));
    let detail = refresh_refusal(&server, ROOM, &created.data("refresh_token")).await;
    assert!(detail.contains("expired"), "{detail}");
}

#[tokio::test]
async fn refresh_refuses_an_access_token_another_room_another_key_and_garbage() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let created = create(&server, ROOM, json!({})).await;

    let detail = refresh_refusal(&server, ROOM, &created.data("token")).await;
    assert!(
        detail.contains("expected `typ` refresh, got access"),
        "{detail}"
    );

    let other_room = id_of(&create_room(&server, json!({})).await);
    let detail = refresh_refusal(&server, &other_room, &created.data("refresh_token")).await;
    assert!(detail.contains(&other_room), "{detail}");

    let other_server = telnyx_rooms_mock::start().await.expect("starts");
    let foreign = create(&other_server, ROOM, json!({})).await;
    let detail = refresh_refusal(&server, ROOM, &foreign.data("refresh_token")).await;
    assert!(detail.contains("signature"), "{detail}");

    let detail = refresh_refusal(&server, ROOM, "not.a.jwt").await;
    assert!(detail.contains("malformed"), "{detail}");
    refresh_refusal(&server, ROOM, "").await;
}

#[tokio::test]
async fn refresh_refuses_a_token_whose_claims_were_changed() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let created = create(&server, ROOM, json!({})).await;
    let token = created.data("refresh_token");
    let mut claims = server
        .verify_token(&token, TokenKind::Refresh, room())
        .expect("valid");
    claims.exp += 86_400;
    let attacker = MockServer::builder()
        .signing_passphrase("attacker")
        .started()
        .await;
    let resigned_elsewhere = attacker.sign_claims(&claims);
    let detail = refresh_refusal(&server, ROOM, &resigned_elsewhere).await;
    assert!(detail.contains("signature"), "{detail}");
    // The server's own key signing the same claims is accepted: only the signature differed.
    let resigned_here = server.sign_claims(&claims);
    let ok = Call::new(&server, &REFRESH, ROOM)
        .json(json!({"refresh_token": resigned_here}))
        .await;
    assert_eq!(ok.status, 201);
}

#[tokio::test]
async fn servers_sharing_a_passphrase_accept_each_others_refresh_tokens() {
    let a = MockServer::builder()
        .signing_passphrase("demo")
        .started()
        .await;
    let b = MockServer::builder()
        .signing_passphrase("demo")
        .started()
        .await;
    let created = create(&a, ROOM, json!({})).await;
    let answer = refresh_from(&b, ROOM, &created).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    // Each verifies what the other signed, the client token too.
    let token = b.verify_token(&answer.data("token"), TokenKind::Client, room());
    let twin = a.verify_token(&answer.data("token"), TokenKind::Client, room());
    assert_eq!(token.expect("b's own"), twin.expect("signed with a's key"));
}

#[tokio::test]
async fn the_server_stops_when_dropped() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let addr = server.addr();
    drop(server);
    let mut refused = false;
    for _ in 0..100 {
        tokio::task::yield_now().await;
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
    }
    assert!(refused, "the listener should close after drop");
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_served_too() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let _ = crate::support::http();
    let http2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("a client");
    let response = http2
        .post(crate::support::url(&server, &CREATE, ROOM))
        .bearer_auth("KEY")
        .json(&json!({}))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_are_each_answered_and_counted() {
    let server = telnyx_rooms_mock::start().await.expect("starts");
    let calls = (0..32).map(|_| create(&server, ROOM, json!({})));
    let answers = futures_util::future::join_all(calls).await;
    let mut tokens: Vec<String> = answers.iter().map(|a| a.data("token")).collect();
    tokens.sort();
    tokens.dedup();
    assert_eq!(tokens.len(), 32, "every token is unique (jti)");
    assert_eq!(server.attempts(CREATE.operation_id), 32);
}
