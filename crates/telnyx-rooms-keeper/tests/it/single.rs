//! One `TokenKeeper`: margins, re-minting, the no-API-key notice, failures, clock skew, stopping.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use futures_util::StreamExt;
use telnyx_rooms_core::time::ManualTimeSource;
use telnyx_rooms_keeper::{EndReason, KeeperBuilder, RefreshPolicy, Status, TokenKeeper, Ttls};
use tokio::time::{Instant, sleep, sleep_until, timeout};

use crate::fake::{Fake, FakeError, Kind, forbidden, rate_limited, transient};
use crate::{
    assert_at, assert_two_calls_a_delay_apart, assert_waited_out, ended, failure, ms, room, secs,
};

fn no_jitter() -> RefreshPolicy {
    RefreshPolicy::new().jitter(0.0)
}

/// The last error of a session that ended at its token's expiry; panics on any other status.
fn expiry_error(status: &Status<FakeError>) -> &FakeError {
    match status.end_reason() {
        Some(EndReason::Expired {
            last_error: Some(error),
        }) => error,
        _ => panic!("expected Expired with an error, got {status:?}"),
    }
}

/// A server clock five years ahead of this machine's.
fn server_clock_in_2031() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 1, 12, 0, 0)
        .single()
        .expect("date")
}

/// Settings for 10 s tokens (counted as 9 s: refreshed every 6 s) without jitter.
fn ten_second_tokens(fake: &Fake) -> KeeperBuilder<Fake> {
    TokenKeeper::builder(fake.clone(), room())
        .token_ttl(secs(10))
        .policy(no_jitter())
}

/// A keeper of 10 s tokens (counted as 9 s: refreshed every 6 s) without jitter.
fn ten_second_keeper(fake: &Fake) -> TokenKeeper<Fake> {
    ten_second_tokens(fake).start()
}

#[tokio::test(start_paused = true)]
async fn refreshes_at_the_configured_margin_before_expiry() {
    let fake = Fake::new();
    let keeper = TokenKeeper::builder(fake.clone(), room())
        .token_ttl(secs(600))
        .policy(no_jitter().fixed_margin(secs(30)))
        .start();
    let first = keeper.token().await.expect("first token");
    assert_eq!(first.expose(), "tok-0");

    sleep(secs(1200)).await;
    let refreshes = fake.calls_of(Kind::Refresh);
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
    // The Date header has whole seconds, so 600 s counts as 599 s: refresh 30 s before that.
    assert_at(refreshes[0].at, secs(569));
    assert_at(refreshes[1].at, secs(569 * 2));
    for call in &refreshes {
        assert_eq!(
            call.token_ttl,
            Some(secs(600)),
            "the requested TTL is sent on refresh"
        );
        let left = call.token_left.expect("a token was issued");
        assert!(left >= TimeDelta::seconds(30), "refreshed with {left} left");
    }
    assert_eq!(keeper.current().expect("valid").expose(), "tok-3");
    assert_eq!(fake.calls_of(Kind::Mint).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn default_margin_suits_the_shortest_ttl() {
    let fake = Fake::new();
    let keeper = ten_second_keeper(&fake);
    keeper.token().await.expect("first token");
    sleep(secs(20)).await;
    let at: Vec<_> = fake.calls_of(Kind::Refresh).iter().map(|c| c.at).collect();
    // 9 s counted lifetime, 3 s floor margin: every 6 s.
    assert_eq!(at.len(), 3, "{at:?}");
    assert_at(at[0], secs(6));
    assert_at(at[1], secs(12));
    assert_at(at[2], secs(18));
}

#[tokio::test(start_paused = true)]
async fn jitter_only_moves_refreshes_earlier_within_the_window() {
    for seed in 0..20 {
        let fake = Fake::new();
        let keeper = TokenKeeper::builder(fake.clone(), room())
            .token_ttl(secs(600))
            .seed(seed)
            .start();
        keeper.token().await.expect("first token");
        sleep(secs(460)).await;
        let refresh = &fake.calls_of(Kind::Refresh)[0];
        // Margin 149.75 s of a 599 s lifetime, plus up to half of it again.
        assert!(
            refresh.at >= Duration::from_secs_f64(599.0 - 149.75 * 1.5),
            "{:?}",
            refresh.at
        );
        assert!(
            refresh.at <= Duration::from_secs_f64(599.0 - 149.75) + ms(10),
            "{:?}",
            refresh.at
        );
    }
}

#[tokio::test(start_paused = true)]
async fn remints_with_the_api_key_before_the_refresh_token_expires() {
    let fake = Fake::new();
    let keeper = ten_second_tokens(&fake).refresh_token_ttl(secs(60)).start();
    keeper.token().await.expect("first token");
    // A valid token at every step for five minutes: no gap across re-mints.
    for _ in 0..3000 {
        sleep(ms(100)).await;
        assert!(
            keeper.current().is_some(),
            "no valid token at {:?}",
            fake.elapsed()
        );
    }
    let mints = fake.calls_of(Kind::Mint);
    assert!(mints.len() >= 6, "{} mints in 300 s", mints.len());
    // 59 s counted refresh lifetime, margin 14.75 s: a new pair at 44.25 s, well before 60 s.
    assert_at(mints[1].at, Duration::from_millis(44_250));
    for call in fake.calls_of(Kind::Refresh) {
        let left = call.refresh_token_left.expect("refresh token presented");
        assert!(
            left > TimeDelta::seconds(10),
            "refresh token had only {left} left"
        );
    }
    assert!(!keeper.status().is_ended());
}

#[tokio::test(start_paused = true)]
async fn without_an_api_key_the_end_is_announced_ahead_of_time() {
    let fake = Fake::builder().without_api_key().build();
    let room = room();
    let pair = fake.mint_directly(
        room,
        Ttls::new().token_ttl(secs(10)).refresh_token_ttl(secs(60)),
    );
    let refresh_expires = pair.refresh_token_expires_at();
    let keeper = TokenKeeper::builder(fake.clone(), room)
        .token_ttl(secs(10))
        .policy(no_jitter())
        .adopt(pair);
    let mut updates = keeper.updates();

    // The very first status already says when the refresh token runs out.
    let first = loop {
        match updates.next().await.expect("status") {
            Status::Starting => continue,
            other => break other,
        }
    };
    let Status::Ending {
        refresh_token_expires_at,
        refresh_token_valid_until,
        token,
        ..
    } = first
    else {
        panic!("expected Ending, got {first:?}");
    };
    assert_eq!(refresh_token_expires_at, refresh_expires);
    assert!(
        refresh_token_valid_until - Instant::now() >= secs(58),
        "announced at least 58 s ahead"
    );
    assert_eq!(token.expose(), "tok-0");

    let mut last_valid_until = None;
    let reason = loop {
        match updates.next().await.expect("updates until the end") {
            Status::Ending { token, .. } => last_valid_until = Some(token.valid_until()),
            Status::Ended(reason) => break reason,
            other => panic!("unexpected {other:?}"),
        }
    };
    assert!(
        matches!(reason, EndReason::RefreshTokenExpired),
        "{reason:?}"
    );
    // It ended exactly when the last token expired, not before, and never tried to mint.
    assert_eq!(Some(Instant::now()), last_valid_until);
    assert!(fake.calls_of(Kind::Mint).is_empty());
    let refreshes = fake.calls_of(Kind::Refresh);
    assert!(
        refreshes.len() >= 7,
        "kept refreshing until the cutoff: {refreshes:?}"
    );
    for call in &refreshes {
        assert!(call.refresh_token_left.expect("presented") > TimeDelta::seconds(10));
    }
    assert!(keeper.current().is_none());
}

#[tokio::test(start_paused = true)]
async fn a_transient_failure_is_retried_then_succeeds() {
    let fake = Fake::new();
    fake.fail_next(Kind::Refresh, transient());
    fake.fail_next(Kind::Refresh, transient());
    let keeper = ten_second_keeper(&fake);
    keeper.token().await.expect("first token");
    let mut subscription = keeper.subscribe();
    subscription.borrow_and_update();
    subscription.changed().await.expect("a refreshed token");
    let token = subscription.borrow().token().cloned().expect("valid");
    assert_eq!(token.expose(), "tok-2");
    let refreshes = fake.calls_of(Kind::Refresh);
    assert_eq!(
        refreshes.len(),
        3,
        "two failures then success: {refreshes:?}"
    );
    // Backoff 125..250 ms then 250..500 ms after the first attempt at 6 s.
    assert_at(refreshes[0].at, secs(6));
    assert!(
        refreshes[1].at - refreshes[0].at >= ms(125)
            && refreshes[1].at - refreshes[0].at <= ms(260)
    );
    assert!(
        refreshes[2].at - refreshes[1].at >= ms(250)
            && refreshes[2].at - refreshes[1].at <= ms(510)
    );
    assert!(!keeper.status().is_ended());
}

#[tokio::test(start_paused = true)]
async fn a_server_delay_postpones_the_retry_while_the_token_lasts() {
    let fake = Fake::new();
    fake.fail_next(Kind::Refresh, rate_limited(secs(60)));
    // 600 s tokens (599 s counted) refreshed 200 s early: the first refresh has 200 s to spare.
    let keeper = TokenKeeper::builder(fake.clone(), room())
        .token_ttl(secs(600))
        .policy(no_jitter().fixed_margin(secs(200)))
        .start();
    keeper.token().await.expect("first token");
    let mut subscription = keeper.subscribe();
    subscription.borrow_and_update();
    subscription.changed().await.expect("a refreshed token");
    assert_eq!(keeper.current().expect("valid").expose(), "tok-2");
    let refreshes = fake.calls_of(Kind::Refresh);
    assert_eq!(refreshes.len(), 2, "one 429, then success: {refreshes:?}");
    assert_at(refreshes[0].at, secs(399));
    // The server's 60 s, not the keeper's 125..250 ms backoff.
    assert_waited_out(refreshes[1].at - refreshes[0].at, secs(60));
    assert!(!keeper.status().is_ended());
}

#[tokio::test(start_paused = true)]
async fn a_short_server_delay_does_not_shorten_the_backoff() {
    let fake = Fake::new();
    fake.fail_next(Kind::Refresh, rate_limited(ms(1)));
    let keeper = ten_second_keeper(&fake);
    keeper.token().await.expect("first token");
    let mut subscription = keeper.subscribe();
    subscription.borrow_and_update();
    subscription.changed().await.expect("a refreshed token");
    let refreshes = fake.calls_of(Kind::Refresh);
    assert_eq!(refreshes.len(), 2, "{refreshes:?}");
    let gap = refreshes[1].at - refreshes[0].at;
    assert!(
        gap >= ms(125) && gap <= ms(260),
        "backoff 125..250 ms, got {gap:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_server_delay_past_the_token_is_waited_out_while_the_refresh_token_lives() {
    // Refreshed at 6 s with 3 s left, told to wait 60 s: the token runs out, the session does not.
    let fake = Fake::new();
    fake.fail_next(Kind::Refresh, rate_limited(secs(60)));
    let keeper = ten_second_keeper(&fake);
    let expiry = keeper.token().await.expect("first token").valid_until();
    sleep_until(expiry).await;
    assert!(keeper.current().is_none(), "no token after its expiry");
    assert!(!keeper.status().is_ended());
    let token = timeout(secs(60), keeper.token())
        .await
        .expect("a new token after the server's delay")
        .expect("not ended");
    assert_eq!(token.expose(), "tok-2");
    assert_two_calls_a_delay_apart(&fake.calls_of(Kind::Refresh), secs(60));
}

#[tokio::test(start_paused = true)]
async fn a_server_delay_past_every_deadline_ends_the_session_when_the_refresh_token_does() {
    let fake = Fake::new();
    fake.fail_next(Kind::Refresh, rate_limited(Duration::MAX));
    // 2 min refresh tokens (119 s counted); with an API key, the start timeout (2 min) to mint a
    // new pair after that.
    let keeper = ten_second_tokens(&fake)
        .refresh_token_ttl(secs(120))
        .start();
    keeper.token().await.expect("first token");
    let status = ended(&keeper).await;
    assert_eq!(expiry_error(&status), &rate_limited(Duration::MAX));
    assert_eq!(
        fake.elapsed(),
        secs(119 + 120),
        "ended at the give-up instant"
    );
    assert_eq!(fake.calls_of(Kind::Refresh).len(), 1, "no retry");
    assert_eq!(fake.calls_of(Kind::Mint).len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_failure_ends_the_session_with_the_typed_error() {
    let fake = Fake::new();
    fake.fail_next(Kind::Refresh, forbidden());
    let keeper = ten_second_keeper(&fake);
    keeper.token().await.expect("first token");
    assert_eq!(**failure(&ended(&keeper).await), forbidden());
    assert_eq!(
        fake.calls_of(Kind::Refresh).len(),
        1,
        "a permanent error is not retried"
    );
    assert!(keeper.current().is_none());
    assert!(keeper.token().await.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_failing_first_mint_ends_the_keeper() {
    let fake = Fake::new();
    fake.fail_next(Kind::Mint, forbidden());
    let keeper = TokenKeeper::start(fake.clone(), room());
    let error = keeper.token().await.expect_err("no token");
    assert!(
        matches!(error, EndReason::Failed(ref e) if e.status == 403),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "token session failed: fake API error 403"
    );
}

#[tokio::test(start_paused = true)]
async fn a_first_mint_told_to_wait_the_longest_server_delay_is_retried() {
    let fake = Fake::new();
    // 60 s is the most the facade honours (`MAX_SERVER_DELAY`); the default start timeout outlasts it.
    fake.fail_next(Kind::Mint, rate_limited(secs(60)));
    let keeper = TokenKeeper::start(fake.clone(), room());
    keeper
        .token()
        .await
        .expect("a token after the server's delay");
    // One 429, then success.
    assert_two_calls_a_delay_apart(&fake.calls_of(Kind::Mint), secs(60));
}

#[tokio::test(start_paused = true)]
async fn never_reports_a_token_valid_after_it_expires_and_retries_while_the_refresh_token_lives() {
    let fake = Fake::new();
    for _ in 0..100 {
        fake.fail_next(Kind::Refresh, transient());
    }
    let keeper = ten_second_keeper(&fake);
    let token = keeper.token().await.expect("first token");
    let expiry = token.valid_until();
    assert_eq!(expiry - Instant::now(), secs(9));
    sleep_until(expiry - ms(1)).await;
    assert!(keeper.current().is_some(), "still valid 1 ms before expiry");
    sleep_until(expiry).await;
    assert!(keeper.current().is_none(), "not valid at expiry");
    assert!(token.is_expired_at(tokio::time::Instant::now()));
    assert!(!keeper.status().is_ended(), "the refresh token still lives");
    // 100 failures, backing off up to 5 s each, well within the refresh token's hour.
    let fresh = timeout(secs(600), keeper.token())
        .await
        .expect("a token once the failures stop")
        .expect("not ended");
    assert!(!fresh.is_expired_at(tokio::time::Instant::now()));
    assert_eq!(fake.calls_of(Kind::Refresh).len(), 101);
    assert_eq!(
        fake.calls_of(Kind::Mint).len(),
        1,
        "refreshed, not re-minted"
    );
}

#[tokio::test(start_paused = true)]
async fn schedule_follows_the_server_clock_not_a_skewed_local_one() {
    // The server's clock is five years ahead of this machine's; with or without a Date header the
    // schedule is the unskewed one, and every refresh reaches the server before the token expires there.
    let skewed = server_clock_in_2031();
    let with_date = Fake::builder().server_clock_at(skewed).build();
    let without_date = Fake::builder()
        .server_clock_at(skewed)
        .without_date_header()
        .build();
    let behind = Fake::builder()
        .server_clock_at(
            Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0)
                .single()
                .expect("date"),
        )
        .build();
    let keepers = [
        ten_second_keeper(&with_date),
        ten_second_keeper(&without_date),
        ten_second_keeper(&behind),
    ];
    sleep(secs(60)).await;
    for (fake, expected_period) in [(&with_date, 6), (&without_date, 7), (&behind, 6)] {
        let refreshes = fake.calls_of(Kind::Refresh);
        // 9 s (Date) or 10 s (requested TTL) lifetime, 3 s margin.
        assert_at(refreshes[0].at, secs(expected_period));
        assert_at(refreshes[1].at, secs(2 * expected_period));
        for call in &refreshes {
            assert!(
                call.token_left.expect("token") >= TimeDelta::seconds(3),
                "{call:?}"
            );
        }
    }
    for keeper in &keepers {
        assert!(keeper.current().is_some());
    }
}

#[tokio::test(start_paused = true)]
async fn stopping_or_dropping_a_keeper_ends_all_its_work() {
    let fake = Fake::new();
    let keeper = TokenKeeper::start(fake.clone(), room());
    keeper.token().await.expect("first token");
    let subscription = keeper.subscribe();
    assert!(fake.handles() > 1, "the keeper's task holds the source");
    keeper.stop().await;
    assert_eq!(fake.handles(), 1, "stop() waits until the task is gone");
    assert!(matches!(
        subscription.borrow().end_reason(),
        Some(EndReason::Stopped)
    ));

    // Dropped mid-call: the call in flight is cancelled too.
    let slow = Fake::builder().latency(secs(30)).build();
    let keeper = TokenKeeper::start(slow.clone(), room());
    let subscription = keeper.subscribe();
    sleep(secs(1)).await;
    assert_eq!(slow.calls().len(), 1, "the first mint is in flight");
    drop(keeper);
    sleep(ms(1)).await;
    assert_eq!(slow.handles(), 1, "no task or call outlives the keeper");
    assert!(matches!(
        subscription.borrow().end_reason(),
        Some(EndReason::Stopped)
    ));
    sleep(secs(3600)).await;
    assert_eq!(slow.calls().len(), 1, "nothing runs after the drop");
}

#[tokio::test(start_paused = true)]
async fn no_public_type_shows_a_token_in_debug_or_display() {
    let fake = Fake::builder().without_api_key().build();
    let room = room();
    let pair = fake.mint_directly(room, Ttls::new());
    let issued = pair.token().clone();
    let keeper = TokenKeeper::builder(fake.clone(), room).adopt(pair.clone());
    let token = keeper.token().await.expect("adopted token");
    assert!(token.expose().starts_with("tok-"));
    let pool = telnyx_rooms_keeper::KeeperPool::new(fake.clone());
    let session = pool.add(room);
    let ended: Status<crate::fake::FakeError> =
        Status::Ended(EndReason::Failed(forbidden().into()));
    let shown = [
        format!("{pair:?}"),
        format!("{issued:?}"),
        format!("{token:?}"),
        format!("{:?}", keeper.status()),
        format!("{keeper:?}"),
        format!("{pool:?}"),
        format!("{session:?}"),
        format!("{ended:?}"),
        format!(
            "{}",
            EndReason::<crate::fake::FakeError>::RefreshTokenExpired
        ),
    ];
    for text in shown {
        assert!(
            !text.contains("tok-") && !text.contains("rt-"),
            "secret shown: {text}"
        );
    }
    assert!(format!("{:?}", keeper.status()).starts_with("Ending"));
}

#[tokio::test(start_paused = true)]
async fn keeps_a_token_valid_for_a_day_with_server_defaults() {
    let fake = Fake::new();
    let keeper = TokenKeeper::start(fake.clone(), room());
    keeper.token().await.expect("first token");
    for _ in 0..(24 * 3600 / 5) {
        sleep(secs(5)).await;
        assert!(
            keeper.current().is_some(),
            "no token at {:?}",
            fake.elapsed()
        );
    }
    // 600 s tokens refreshed 150-225 s early; 3600 s refresh tokens replaced 5-7.5 min early. The
    // bounds hold for any jitter: 27-28 mints and roughly 190-240 refreshes.
    let mints = fake.calls_of(Kind::Mint).len();
    let refreshes = fake.calls_of(Kind::Refresh).len();
    assert!((25..=28).contains(&mints), "{mints} mints in a day");
    assert!(
        (150..=250).contains(&refreshes),
        "{refreshes} refreshes in a day"
    );
}

/// With neither a `Date` header nor a requested lifetime, the keeper places the expiry on its own
/// wall clock — the injected time source, not this machine's: a source 100 s ahead of the
/// server makes the 600 s token look 100 s shorter, so the first refresh comes 100 s sooner.
#[tokio::test(start_paused = true)]
async fn without_date_or_requested_ttl_the_injected_wall_clock_places_the_expiry() {
    let server_clock = server_clock_in_2031();
    let mut first_refreshes = Vec::new();
    for local_ahead in [0, 100] {
        let fake = Fake::builder()
            .server_clock_at(server_clock)
            .without_date_header()
            .build();
        let local = server_clock + TimeDelta::seconds(local_ahead);
        let keeper = TokenKeeper::builder(fake.clone(), room())
            .policy(no_jitter().fixed_margin(secs(30)))
            .time_source(ManualTimeSource::new(local))
            .start();
        sleep(secs(580)).await;
        let refreshes = fake.calls_of(Kind::Refresh);
        first_refreshes.push(refreshes.first().expect("refreshed").at);
        assert!(keeper.current().is_some());
    }
    // 600 s lifetime (as the source's clock sees it) minus the 30 s margin.
    assert_at(first_refreshes[0], secs(570));
    assert_at(first_refreshes[1], secs(470));
}

/// A room given as text is taken as the facade takes it; text that is not a room id ends the
/// session at once, before any call.
#[tokio::test(start_paused = true)]
async fn rooms_are_taken_as_text_and_a_bad_one_ends_the_session_before_any_call() {
    let fake = Fake::new();
    let keeper = TokenKeeper::start(fake.clone(), " 0ccc7b54-4df3-4bca-a65a-3da1ecc777f0 ");
    let token = keeper.token().await.expect("a token");
    assert!(!token.expose().is_empty());
    assert_eq!(fake.calls_of(Kind::Mint).len(), 1);

    let refused = TokenKeeper::start(fake.clone(), "room-42");
    match refused.token().await {
        Err(EndReason::InvalidRoom(_)) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        refused
            .status()
            .end_reason()
            .is_some_and(|reason| reason.to_string().contains("not a UUID"))
    );
    sleep(secs(5)).await;
    assert_eq!(
        fake.calls_of(Kind::Mint).len(),
        1,
        "no call for the bad room"
    );
}
