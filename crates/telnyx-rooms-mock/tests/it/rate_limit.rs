//! The server-wide rate limit: a token bucket over every operation, answering 429 with
//! `Retry-After` and Telnyx's error body once spent (paused tokio time drives the bucket).

use std::time::Duration;

use crate::support::{CREATE, Call, REFRESH, ROOM, Started, create};
use serde_json::json;
use telnyx_rooms_mock::{MockServer, RateLimit};

#[tokio::test(start_paused = true)]
async fn requests_beyond_the_burst_get_429_with_retry_after_until_the_bucket_refills() {
    let server = MockServer::builder()
        .rate_limit(RateLimit::per_second(2).burst(2))
        .started()
        .await;
    let created = create(&server, ROOM, json!({})).await;
    let refresh_token = created.data("refresh_token");
    let refresh =
        || Call::new(&server, &REFRESH, ROOM).json(json!({"refresh_token": refresh_token}));

    // The burst of 2 is shared by every operation: the create took one, a refresh takes the other.
    assert_eq!(refresh().await.status, 201);
    let refused = refresh().await;
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.headers["retry-after"], "1");
    assert_eq!(refused.error(0, "code"), "10011");
    assert!(
        refused
            .error(0, "detail")
            .as_str()
            .expect("text")
            .contains("2 requests per second"),
        "{}",
        refused.text
    );
    let refused = Call::new(&server, &CREATE, ROOM).json(json!({})).await;
    assert_eq!(refused.status, 429);

    // Half a second refills one request at 2/s.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(refresh().await.status, 201);
    assert_eq!(refresh().await.status, 429);
    assert_eq!(server.rate_limited(), 3);
    assert_eq!(server.attempts("RefreshRoomClientToken"), 4);
    let statuses: Vec<_> = server.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [201, 201, 429, 429, 201, 429].map(Some),
        "every refused request is logged"
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_limit_nothing_is_refused() {
    let server = MockServer::builder().start().await.expect("starts");
    for _ in 0..50 {
        create(&server, ROOM, json!({})).await;
    }
    assert_eq!(server.rate_limited(), 0);
}
