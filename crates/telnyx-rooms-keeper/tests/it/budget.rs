//! The pool-wide budget against the scripted fake: the rate, urgency order, pauses, metrics.

use telnyx_rooms_keeper::{KeeperPool, RefreshPolicy, Ttls};
use tokio::time::sleep;

use crate::fake::{Fake, Kind, rate_limited};
use crate::{ms, room, secs};

/// Whether calls at these instants (seconds, sorted) fit a token bucket of `rate` per second
/// holding `burst`: no interval holds more than `burst + rate × its length`.
fn fits_bucket(at: &[f64], rate: f64, burst: f64) -> bool {
    (0..at.len()).all(|i| {
        (i..at.len()).all(|j| ((j - i + 1) as f64) <= burst + rate * (at[j] - at[i]) + 1e-9)
    })
}

#[tokio::test(start_paused = true)]
async fn mints_and_refreshes_share_the_pool_rate() {
    let fake = Fake::new();
    let pool = fake.rated_pool(10.0, 5).seed(1).build();
    let sessions: Vec<_> = (0..100)
        .map(|_| pool.add_with(room(), Ttls::new().token_ttl(secs(60))))
        .collect();
    sleep(secs(600)).await;
    let at: Vec<f64> = fake.calls().iter().map(|c| c.at.as_secs_f64()).collect();
    assert!(at.len() > 1000, "{} calls", at.len());
    assert!(
        fits_bucket(&at, 10.0, 5.0),
        "calls exceed 10/s with a burst of 5"
    );
    // The first burst: 5 at once, then one every 100 ms.
    assert!(at[..5].iter().all(|t| *t == 0.0), "{:?}", &at[..6]);
    assert!((at[5] - 0.1).abs() < 0.002, "{}", at[5]);
    assert!(!fits_bucket(&at, 10.0, 4.0), "the burst was used");
    assert!(sessions.iter().all(|s| s.current().is_some()));
    let refreshes = fake.calls_of(Kind::Refresh);
    assert!(
        refreshes
            .iter()
            .all(|c| c.token_left.is_some_and(|left| left.num_seconds() > 0)),
        "every refresh before its token expired"
    );
}

#[tokio::test(start_paused = true)]
async fn waiting_for_the_rate_does_not_use_up_the_start_timeout() {
    // 300 first mints at 2 per second take 150 s, longer than the 2 min start timeout.
    let fake = Fake::new();
    let pool = fake.rated_pool(2.0, 1).build();
    let sessions: Vec<_> = (0..300)
        .map(|_| pool.add_with(room(), Ttls::new().token_ttl(secs(3600))))
        .collect();
    sleep(secs(151)).await;
    assert!(sessions.iter().all(|s| s.current().is_some()));
    let mints = fake.calls_of(Kind::Mint);
    assert_eq!(mints.len(), 300);
    assert!(mints[299].at >= secs(149), "{:?}", mints[299].at);
}

/// Sessions whose refreshes fall due during a pause are served by urgency when it ends: the
/// token that expires first (even one already expired) goes first.
#[tokio::test(start_paused = true)]
async fn a_server_delay_pauses_every_call_and_calls_resume_most_urgent_first() {
    let fake = Fake::new();
    let pool = fake
        .rated_pool(1.0, 10)
        .policy(RefreshPolicy::new().jitter(0.0).fixed_margin(secs(30)))
        .build();
    // Added most urgent last; lifetimes 70..100 s (69..99 counted): due at 39, 49, 59, 69 s.
    let lifetimes = [100, 90, 80, 70];
    let sessions: Vec<_> = lifetimes
        .iter()
        .map(|ttl| {
            (
                *ttl,
                pool.add_with(room(), Ttls::new().token_ttl(secs(*ttl))),
            )
        })
        .collect();
    // A trigger of 40 s tokens (39 counted, margin capped at half: due at 19.5 s) whose first
    // refresh is told to wait 65 s: the pool pauses until 84.5 s.
    fake.fail_next(Kind::Refresh, rate_limited(secs(65)));
    let trigger = pool.add_with(room(), Ttls::new().token_ttl(secs(40)));
    sleep(secs(1)).await;
    assert_eq!(fake.calls_of(Kind::Mint).len(), 5);
    sleep(secs(120)).await;

    let refreshes = fake.calls_of(Kind::Refresh);
    let first = &refreshes[0];
    assert!(first.at >= ms(19_500) && first.at < ms(19_600), "{first:?}");
    let resumed: Vec<_> = refreshes[1..].iter().take(5).collect();
    assert!(
        resumed[0].at >= ms(84_500),
        "nothing during the pause: {refreshes:?}"
    );
    // Most urgent first: by lifetime 70, 80, 90, 100 — the first two expired during the pause,
    // the third is served before it would — with the trigger (expired at 39 s, its own retry due
    // as the pause ends) among them.
    let trigger_room = room_of(&fake, 40);
    assert!(
        resumed.iter().any(|c| c.room == trigger_room),
        "{resumed:?}"
    );
    let order: Vec<_> = resumed
        .iter()
        .map(|c| c.room)
        .filter(|r| *r != trigger_room)
        .collect();
    let expected: Vec<_> = [70, 80, 90, 100].map(|ttl| room_of(&fake, ttl)).into();
    assert_eq!(order, expected, "{resumed:?}");
    // One call per second after the pause; no session ended, though two tokens ran out in it.
    assert!(resumed.windows(2).all(|w| w[1].at - w[0].at >= ms(999)));
    assert!(sessions.iter().all(|(_, s)| s.current().is_some()));
    assert!(trigger.current().is_some());
    let metrics = pool.metrics();
    assert_eq!(metrics.throttled, 1);
    assert!(metrics.allowed_rate.is_some_and(|rate| rate <= 1.0));
}

/// The room of the session minted with this token lifetime.
fn room_of(fake: &Fake, ttl: u64) -> uuid::Uuid {
    fake.calls_of(Kind::Mint)
        .iter()
        .find(|c| c.token_ttl == Some(secs(ttl)))
        .map(|c| c.room)
        .expect("minted")
}

#[tokio::test(start_paused = true)]
async fn without_backpressure_only_the_throttled_session_waits() {
    let fake = Fake::new();
    let pool = KeeperPool::builder(fake.clone())
        .backpressure(false)
        .policy(RefreshPolicy::new().jitter(0.0).fixed_margin(secs(30)))
        .build();
    fake.fail_next(Kind::Refresh, rate_limited(secs(65)));
    let _trigger = pool.add_with(room(), Ttls::new().token_ttl(secs(40)));
    let _other = pool.add_with(room(), Ttls::new().token_ttl(secs(70)));
    sleep(secs(60)).await;
    let refreshes = fake.calls_of(Kind::Refresh);
    assert_eq!(
        refreshes.len(),
        2,
        "the other session refreshed at 39 s: {refreshes:?}"
    );
    assert_eq!(pool.metrics().throttled, 1);
    assert_eq!(pool.metrics().paused_until, None);
}
