//! The pool against the mock with random faults (about 10 % of attempts answered 503, 429 or a
//! connection reset), short TTLs, for two virtual hours under paused tokio time: no expired token
//! is ever handed out and no session ends, since every fault is transient.
//!
//! Short, not the shortest: with 10 s tokens the keeper refreshes ~2.5 s before expiry, and a
//! failed call (p³ ≈ 0.1 %) followed by a 429 with `Retry-After: 1` can use that margin up, so a
//! session may end `Expired` (seen in about one run in three). 60 s tokens leave a 15 s margin.

use chrono::{TimeZone, Utc};
use telnyx_rooms_keeper::{KeeperPool, Ttls};
use telnyx_rooms_mock::{Fault, MockServer, TokenKind};
use tokio::time::sleep;

use crate::scenario::{TokioTimeSource, started};
use crate::{room, secs};

const SESSIONS: usize = 20;
const HOURS: u64 = 2;

#[tokio::test(start_paused = true)]
async fn a_pool_keeps_every_token_valid_for_two_hours_of_random_faults() {
    let (server, client) = started(
        MockServer::builder()
            .time_source(TokioTimeSource::starting_at(
                Utc.with_ymd_and_hms(2031, 6, 1, 8, 0, 0)
                    .single()
                    .expect("date"),
            ))
            .api_key("KEY")
            .fault(Fault::status(503).chance(0.04))
            .fault(Fault::status(429).chance(0.03))
            .fault(Fault::reset().chance(0.033)),
    )
    .await;
    let pool = KeeperPool::builder(client).seed(7).build();
    let ttls = Ttls::new().token_ttl(secs(60)).refresh_token_ttl(secs(300));
    let sessions: Vec<_> = (0..SESSIONS)
        .map(|_| {
            let room = room();
            (room, pool.add_with(room, ttls))
        })
        .collect();
    for (_, session) in &sessions {
        session.token().await.expect("a first token");
    }

    // Every 5 s of two hours, every session holds a token the mock accepts at that instant.
    let steps = HOURS * 3600 / 5;
    for step in 0..steps {
        sleep(secs(5)).await;
        for (room, session) in &sessions {
            let status = session.status();
            assert!(
                !status.is_ended(),
                "step {step}: a session ended: {:?}",
                status.end_reason()
            );
            let token = session.current().expect("a token at every step");
            server
                .verify_token(token.expose(), TokenKind::Client, *room)
                .unwrap_or_else(|err| panic!("step {step}: a token the mock refuses: {err}"));
        }
    }
    let creates = server.attempts("CreateRoomClientToken");
    let refreshes = server.attempts("RefreshRoomClientToken");
    eprintln!(
        "pool: {SESSIONS} sessions, {HOURS} virtual hours, 60 s tokens: {creates} create and {refreshes} refresh attempts ({:.1} per session-minute)",
        (creates + refreshes) as f64 / (SESSIONS as f64 * HOURS as f64 * 60.0)
    );
    // The run met what it claims: refreshes all along (60 s tokens), and faults among them.
    assert!(
        refreshes >= SESSIONS as u64 * HOURS * 60,
        "{refreshes} refreshes"
    );
    let recent = server.requests();
    let faulted = recent.iter().filter(|r| r.fault.is_some()).count();
    assert!(
        faulted * 20 >= recent.len(),
        "{faulted} of the last {} attempts faulted",
        recent.len()
    );
    pool.stop().await;
}
