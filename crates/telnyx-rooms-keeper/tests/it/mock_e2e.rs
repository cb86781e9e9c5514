//! End to end: the facade client against the project's mock, with the shortest TTLs the spec allows,
//! under paused tokio time (the mock's clock follows tokio's, five years ahead of this machine's).

use chrono::{TimeZone, Utc};
use telnyx_rooms::{Client, ErrorKind};
use telnyx_rooms_keeper::{EndReason, RefreshPolicy, Status, TokenKeeper};
use telnyx_rooms_mock::{Fault, MockServer, TokenKind};
use tokio::time::{Instant, sleep};

use crate::scenario::{TokioTimeSource, started};
use crate::{ended, failure, ms, room, secs};

#[tokio::test(start_paused = true)]
async fn keeps_a_mock_token_fresh_with_the_shortest_ttls() {
    let clock = TokioTimeSource::starting_at(
        Utc.with_ymd_and_hms(2031, 6, 1, 8, 0, 0)
            .single()
            .expect("date"),
    );
    let (server, client) = started(MockServer::builder().time_source(clock).api_key("KEY")).await;
    let room = room();
    let keeper = TokenKeeper::builder(client, room)
        .token_ttl(secs(10))
        .refresh_token_ttl(secs(60))
        .policy(RefreshPolicy::new().jitter(0.0))
        .start();

    let first = keeper.token().await.expect("first token");
    server
        .verify_token(first.expose(), TokenKind::Client, room)
        .expect("a token the server accepts");
    // Two minutes, checked every 200 ms: always a token the server itself accepts at that moment.
    let mut seen = 0;
    let mut last = first.expose().to_owned();
    for _ in 0..600 {
        sleep(ms(200)).await;
        let token = keeper.current().expect("a valid token at every step");
        server
            .verify_token(token.expose(), TokenKind::Client, room)
            .expect("accepted by the mock at this instant");
        if token.expose() != last {
            seen += 1;
            last = token.expose().to_owned();
        }
    }
    let mints = server.attempts("CreateRoomClientToken");
    let refreshes = server.attempts("RefreshRoomClientToken");
    // New pair every 44.25 s (refresh token 59 s counted, margin 14.75 s); refresh every 6 s between.
    assert_eq!(mints, 3, "minted at 0, 44.25 and 88.5 s");
    assert!((18..=21).contains(&refreshes), "{refreshes} refreshes");
    assert_eq!(
        seen as u64,
        mints - 1 + refreshes,
        "every new token was picked up"
    );

    for request in server.requests() {
        assert_eq!(request.status, Some(201), "{request:?}");
        let body = request.body_json().expect("JSON body");
        assert_eq!(body["token_ttl_secs"], 10);
        if request.route == "RefreshRoomClientToken" {
            assert_eq!(
                request.header("authorization"),
                None,
                "no API key on refresh"
            );
        } else {
            assert_eq!(body["refresh_token_ttl_secs"], 60);
            assert!(request.header("authorization").is_some());
        }
    }
    let updates = keeper.subscribe();
    keeper.stop().await;
    assert!(matches!(
        &*updates.borrow(),
        Status::Ended(EndReason::Stopped)
    ));
    let count = server.request_count();
    sleep(secs(120)).await;
    assert_eq!(server.request_count(), count, "no calls after stop");
}

/// A mock whose clock follows tokio time, and a client with (or without) an API key for it.
async fn mock_and_client(api_key: Option<&str>) -> (MockServer, Client) {
    let clock = TokioTimeSource::starting_at(Utc::now());
    let server = MockServer::builder()
        .time_source(clock)
        .tokens_for_unknown_rooms(true)
        .start()
        .await
        .expect("mock starts");
    let mut client = Client::builder().base_url(server.base_url());
    if let Some(key) = api_key {
        client = client.api_key(key);
    }
    (server, client.build().expect("client"))
}

#[tokio::test(start_paused = true)]
async fn api_errors_map_to_retry_or_end() {
    let (server, client) = mock_and_client(Some("KEY")).await;
    // One 503 on the first refresh is retried; a later 403 ends the session with the facade's error.
    server.inject(
        Fault::status(503)
            .times(1)
            .for_operation("RefreshRoomClientToken"),
    );
    let keeper = TokenKeeper::builder(client, room())
        .token_ttl(secs(10))
        .policy(RefreshPolicy::new().jitter(0.0))
        .start();
    keeper.token().await.expect("first token");
    sleep(secs(10)).await;
    assert_eq!(
        server.attempts("RefreshRoomClientToken"),
        2,
        "503 retried once"
    );
    assert!(keeper.current().is_some());

    server.inject(Fault::status(403).for_operation("RefreshRoomClientToken"));
    let status = ended(&keeper).await;
    assert_eq!(failure(&status).status(), Some(403));
    assert_eq!(
        server.attempts("RefreshRoomClientToken"),
        3,
        "403 not retried"
    );
}

#[tokio::test(start_paused = true)]
async fn a_client_without_a_key_cannot_start_but_keeps_an_adopted_pair() {
    let (server, keyless) = mock_and_client(None).await;
    let error = TokenKeeper::start(keyless.clone(), room())
        .token()
        .await
        .expect_err("cannot mint without a key");
    let EndReason::Failed(error) = error else {
        panic!("expected Failed, got {error:?}");
    };
    assert_eq!(error.kind(), ErrorKind::MissingApiKey);
    assert_eq!(server.request_count(), 0, "refused before any I/O");

    // A pair minted elsewhere (with a key) is kept fresh by the keyless client until its refresh
    // token runs out, which the keeper announces from the start.
    let keyed = Client::builder()
        .api_key("KEY")
        .base_url(server.base_url())
        .build()
        .expect("client");
    let room = room();
    let created = keyed
        .create_client_token(room)
        .token_ttl(secs(10))
        .refresh_token_ttl(secs(60))
        .await
        .expect("created");
    let keeper = TokenKeeper::builder(keyless, room)
        .token_ttl(secs(10))
        .policy(RefreshPolicy::new().jitter(0.0))
        .adopt(created.into());
    let mut updates = keeper.subscribe();
    let announced = updates
        .wait_for(|s| matches!(s, Status::Ending { .. }))
        .await
        .expect("announced")
        .clone();
    let Status::Ending {
        refresh_token_valid_until,
        ..
    } = announced
    else {
        unreachable!("waited for Ending");
    };
    assert!(refresh_token_valid_until - Instant::now() >= secs(58));
    let ended = updates
        .wait_for(Status::is_ended)
        .await
        .expect("ends")
        .clone();
    assert!(
        matches!(ended.end_reason(), Some(EndReason::RefreshTokenExpired)),
        "{ended:?}"
    );
    assert!(
        Instant::now() <= refresh_token_valid_until,
        "ended before the refresh token did"
    );
    assert_eq!(
        server.attempts("CreateRoomClientToken"),
        1,
        "only the test's own create"
    );
    assert!(server.attempts("RefreshRoomClientToken") >= 7);
    assert!(server.requests().iter().all(|r| r.status == Some(201)));
}

#[tokio::test(start_paused = true)]
async fn a_mock_429_with_retry_after_postpones_the_retry() {
    let (server, client) = mock_and_client(Some("KEY")).await;
    server.inject(
        "status=429;retry-after=5;times=1"
            .parse::<Fault>()
            .expect("a valid fault")
            .for_operation("RefreshRoomClientToken"),
    );
    // 60 s tokens (59 s counted) are refreshed 14.75 s early: a 5 s wait fits.
    let keeper = TokenKeeper::builder(client, room())
        .token_ttl(secs(60))
        .policy(RefreshPolicy::new().jitter(0.0))
        .start();
    let first = keeper.token().await.expect("first token");
    let mut updates = keeper.subscribe();
    updates.borrow_and_update();
    updates.changed().await.expect("a refreshed token");
    let second = keeper.current().expect("valid");
    assert_ne!(second.expose(), first.expose());

    let refreshes: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.route == "RefreshRoomClientToken")
        .collect();
    let statuses: Vec<_> = refreshes.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(429), Some(201)], "{refreshes:?}");
    let gap = (refreshes[1].received_at - refreshes[0].received_at)
        .to_std()
        .expect("in order");
    // The server's 5 s, not the keeper's 125..250 ms backoff (the mock's clock is tokio's).
    assert!(gap >= secs(5) && gap < secs(6), "retried after {gap:?}");
    assert!(!keeper.status().is_ended());
}
