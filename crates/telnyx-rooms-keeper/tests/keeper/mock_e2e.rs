//! End to end: the facade client against the project's mock, with the shortest TTLs the spec allows,
//! under paused tokio time (the mock's clock follows tokio's, five years ahead of this machine's).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use telnyx_rooms::Client;
use telnyx_rooms_keeper::{EndReason, RefreshPolicy, Status, TokenKeeper};
use telnyx_rooms_mock::{Clock, MockServer, TokenKind};
use tokio::time::{Instant, sleep};

use crate::{ms, room, secs};

/// The mock's clock: tokio time (so it pauses and advances with the test) from a skewed start.
#[derive(Debug)]
struct TokioClock {
    origin: Instant,
    base: DateTime<Utc>,
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        self.base + TimeDelta::from_std(self.origin.elapsed()).expect("elapsed fits")
    }
}

#[tokio::test(start_paused = true)]
async fn keeps_a_mock_token_fresh_with_the_shortest_ttls() {
    let clock = TokioClock {
        origin: Instant::now(),
        base: Utc
            .with_ymd_and_hms(2031, 6, 1, 8, 0, 0)
            .single()
            .expect("date"),
    };
    let server = MockServer::builder()
        .clock(clock)
        .api_key("KEY")
        .start()
        .await
        .expect("mock starts");
    let client = Client::builder()
        .api_key("KEY")
        .base_url(server.base_url())
        .build()
        .expect("client");
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
        let body = request.body.as_ref().expect("JSON body");
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
