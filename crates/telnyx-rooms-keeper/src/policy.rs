//! When to refresh (margin before expiry, jitter) and how to retry (backoff).

use std::time::Duration;

use telnyx_rooms::retry::Backoff;
use telnyx_rooms_core::time::scale;
use tokio::time::Instant;

/// The shortest backoff between retries.
const MIN_BACKOFF: Duration = Duration::from_millis(10);

/// A contended renewal never waits closer to its deadline than this (or its whole margin).
const NEAR_ENOUGH: Duration = Duration::from_secs(30);

/// The random part of each backoff: up to half of it, so sessions failing together spread out.
const BACKOFF_JITTER: f64 = 0.5;

/// When keepers refresh and how they retry.
///
/// A token is refreshed `margin` before it expires, where `margin` is `margin_fraction` of the token's
/// lifetime, clamped to `[min_margin, max_margin]` and never more than half the lifetime. The defaults
/// (a quarter, 3 s to 5 min) refresh a 10 s token 3 s early, a 10 min token 150 s early and a 1 h token
/// 5 min early. Each refresh is moved earlier still by a random part of `jitter × margin`, so sessions
/// started together spread out instead of refreshing in the same instant.
///
/// The same rule, applied to the refresh token's lifetime, decides when a new pair is minted.
///
/// Failed calls that may succeed later are retried after `initial_backoff`, doubling up to
/// `max_backoff` (half of each delay random; the rule is the facade's
/// [`Backoff`](telnyx_rooms::retry::Backoff)), or after the delay the server asked for if that is longer
/// ([`TokenSource::retry_after`](crate::TokenSource::retry_after)), for as long as the refresh token
/// lives — past the client token's expiry if need be (with an API key, a new pair is then minted for up
/// to `start_timeout` more). A new session may spend up to `start_timeout` (default 2 min, longer than
/// the 60 s the facade lets a server ask for) retrying its first mint, counted from its first call, so
/// time spent waiting for a pool's budget does not count. An answer that throttles (a server delay,
/// such as a 429's `Retry-After`) never ends a session whose source can mint: it gives it the start
/// timeout again after the delay.
///
/// A session whose first token the pool expects only after `start_timeout` from when it was added is
/// told so at once ([`Status::Late`](crate::Status::Late)) and waits on, keeping its place — or, with
/// [`shed_late_starts`](Self::shed_late_starts), ends before any call
/// ([`EndReason::Shed`](crate::EndReason::Shed)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RefreshPolicy {
    margin_fraction: f64,
    min_margin: Duration,
    max_margin: Duration,
    jitter: f64,
    backoff: Backoff,
    pub(crate) start_timeout: Duration,
    pub(crate) shed_late_starts: bool,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        Self {
            margin_fraction: 0.25,
            min_margin: Duration::from_secs(3),
            max_margin: Duration::from_secs(300),
            jitter: 0.5,
            backoff: Backoff::new(Duration::from_millis(250), Duration::from_secs(5))
                .jitter(BACKOFF_JITTER),
            // Longer than the largest server delay the facade honours (`Retry-After` is capped at
            // 60 s), so a first mint answered "429, retry in 60 s" is retried, not given up on.
            start_timeout: Duration::from_secs(120),
            shed_late_starts: false,
        }
    }
}

/// Clamps a user-supplied fraction into `[0, 1]`; NaN becomes `fallback`.
fn fraction(value: f64, fallback: f64) -> f64 {
    if value.is_nan() {
        fallback
    } else {
        value.clamp(0.0, 1.0)
    }
}

impl RefreshPolicy {
    /// The defaults described on the type.
    pub fn new() -> Self {
        Self::default()
    }

    /// Refreshes this fraction of the lifetime before expiry (clamped to `0.0..=1.0`, then to the
    /// margin bounds).
    #[must_use]
    pub fn margin_fraction(mut self, fraction_of_lifetime: f64) -> Self {
        self.margin_fraction = fraction(fraction_of_lifetime, self.margin_fraction);
        self
    }

    /// The smallest margin, for short-lived tokens (still capped at half the lifetime).
    #[must_use]
    pub fn min_margin(mut self, margin: Duration) -> Self {
        self.min_margin = margin;
        self
    }

    /// The largest margin, for long-lived tokens.
    #[must_use]
    pub fn max_margin(mut self, margin: Duration) -> Self {
        self.max_margin = margin;
        self
    }

    /// Always refreshes exactly this long before expiry (at most half the lifetime).
    #[must_use]
    pub fn fixed_margin(self, margin: Duration) -> Self {
        self.margin_fraction(0.0)
            .min_margin(margin)
            .max_margin(margin)
    }

    /// Moves each refresh earlier by a random part of `fraction × margin` (clamped to `0.0..=1.0`;
    /// `0.0` turns jitter off).
    #[must_use]
    pub fn jitter(mut self, fraction_of_margin: f64) -> Self {
        self.jitter = fraction(fraction_of_margin, self.jitter);
        self
    }

    /// Backoff before the first retry (at least 10 ms, so a failing source cannot make the scheduler
    /// spin); it doubles on each further failure up to [`max_backoff`](Self::max_backoff).
    #[must_use]
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.backoff =
            Backoff::new(delay.max(MIN_BACKOFF), self.backoff.max()).jitter(BACKOFF_JITTER);
        self
    }

    /// Cap on the backoff between retries (at least 10 ms).
    #[must_use]
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.backoff =
            Backoff::new(self.backoff.initial(), delay.max(MIN_BACKOFF)).jitter(BACKOFF_JITTER);
        self
    }

    /// How long a new session should take to get its first token, from when it is added (default
    /// 2 min).
    ///
    /// Two things follow from it. When the pool's backlog, at the rate it achieves, puts a session's
    /// first call past this, the session is told at once ([`Status::Late`](crate::Status::Late)).
    /// And once its first call is made, a session whose calls keep failing (transient errors other
    /// than throttling) ends as [`EndReason::Expired`](crate::EndReason::Expired) this long after
    /// that first call; with an API key, the same time is allowed to mint a new pair when a refresh
    /// token runs out, from the later of its expiry and the first call for the pair.
    ///
    /// For a cold start of N sessions on an account allowing R calls per second, the last first
    /// token comes about N / R seconds after the start, whatever each pool's budget says: size the
    /// timeout above that (40,000 sessions at 200/s: 200 s, so 4 to 5 min), or expect `Late`.
    #[must_use]
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = timeout;
        self
    }

    /// Whether a session whose first token is expected only after the start timeout ends at once,
    /// before any call, as [`EndReason::Shed`](crate::EndReason::Shed) (default `false`: it is told
    /// [`Status::Late`](crate::Status::Late) and waits on, keeping its place). Shed when a caller
    /// would rather say "come back later" than keep a participant waiting.
    #[must_use]
    pub fn shed_late_starts(mut self, shed: bool) -> Self {
        self.shed_late_starts = shed;
        self
    }

    /// The margin for a token that lives `lifetime`, before jitter.
    pub fn margin_for(&self, lifetime: Duration) -> Duration {
        let floor = self.min_margin.min(self.max_margin);
        scale(lifetime, self.margin_fraction)
            .clamp(floor, self.max_margin)
            .min(lifetime / 2)
    }

    /// How near its deadline a renewal may wait while the account is contended: half the margin,
    /// but the whole margin when that is under 30 s (short tokens keep all their slack).
    pub(crate) fn near_enough(&self, lifetime: Duration) -> Duration {
        let margin = self.margin_for(lifetime);
        (margin / 2).max(margin.min(NEAR_ENOUGH))
    }

    /// When to act on something valid until `deadline`: its margin earlier, minus jitter, never before
    /// `now`.
    pub(crate) fn renew_at(
        &self,
        now: Instant,
        deadline: Instant,
        rng: &mut fastrand::Rng,
    ) -> Instant {
        let lifetime = deadline.saturating_duration_since(now);
        let margin = self.margin_for(lifetime);
        let early = scale(margin, self.jitter * rng.f64());
        deadline
            .checked_sub(margin + early)
            .map_or(now, |at| at.max(now))
    }

    /// Delay before retry number `attempt` (1-based): exponential with up to half of it random.
    pub(crate) fn backoff(&self, attempt: u32, rng: &mut fastrand::Rng) -> Duration {
        self.backoff.delay(attempt, rng.f64())
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn extreme_durations_do_not_overflow() {
        let policy = RefreshPolicy::default()
            .min_margin(Duration::MAX)
            .max_margin(Duration::MAX)
            .margin_fraction(1.0)
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        assert_eq!(policy.margin_for(Duration::MAX), Duration::MAX / 2);
        let mut rng = fastrand::Rng::with_seed(7);
        for attempt in [1, 2, 40, u32::MAX] {
            let wait = policy.backoff(attempt, &mut rng);
            assert!(wait >= Duration::MAX / 2, "{wait:?}");
        }
        let now = Instant::now();
        // The margin is capped at half the lifetime: renewal falls in the first half.
        let at = policy.renew_at(now, now + Duration::from_secs(10), &mut rng);
        assert!(at >= now && at <= now + Duration::from_secs(5), "{at:?}");
    }

    /// Asserts `policy` renews a token of each lifetime (seconds) the paired margin before it ends.
    #[track_caller]
    fn assert_margins(policy: &RefreshPolicy, margins: &[(u64, u64)]) {
        for &(lifetime, margin) in margins {
            assert_eq!(
                policy.margin_for(Duration::from_secs(lifetime)),
                Duration::from_secs(margin),
                "lifetime {lifetime} s"
            );
        }
    }

    #[test]
    fn margins_scale_from_ten_seconds_to_an_hour() {
        // The last: never more than half the lifetime, however large the floor.
        let margins = [(10, 3), (60, 15), (600, 150), (3600, 300), (4, 2)];
        assert_margins(&RefreshPolicy::default(), &margins);
    }

    #[test]
    fn fixed_margin_ignores_lifetime() {
        let policy = RefreshPolicy::new().fixed_margin(Duration::from_secs(7));
        assert_margins(&policy, &[(600, 7), (3600, 7)]);
    }

    #[test]
    fn nonsense_fractions_are_clamped() {
        let policy = RefreshPolicy::new().margin_fraction(f64::NAN).jitter(7.0);
        assert_eq!(policy.margin_fraction, 0.25);
        assert_eq!(policy.jitter, 1.0);
        assert_margins(&policy.margin_fraction(-3.0), &[(600, 3)]);
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_half_jitter() {
        let policy = RefreshPolicy::default();
        let mut rng = fastrand::Rng::with_seed(7);
        for (attempt, base_ms) in [
            (1, 250),
            (2, 500),
            (3, 1000),
            (4, 2000),
            (5, 4000),
            (6, 5000),
            (60, 5000),
        ] {
            let delay = policy.backoff(attempt, &mut rng);
            assert!(
                delay >= Duration::from_millis(base_ms / 2),
                "{attempt}: {delay:?}"
            );
            assert!(
                delay <= Duration::from_millis(base_ms),
                "{attempt}: {delay:?}"
            );
        }
    }

    #[test]
    fn backoff_has_a_floor() {
        let policy = RefreshPolicy::new()
            .initial_backoff(Duration::ZERO)
            .max_backoff(Duration::ZERO);
        let mut rng = fastrand::Rng::with_seed(3);
        for attempt in 1..10 {
            assert!(policy.backoff(attempt, &mut rng) >= Duration::from_millis(5));
        }
    }

    #[test]
    fn renew_at_stays_within_margin_and_jitter_window() {
        let policy = RefreshPolicy::default();
        let mut rng = fastrand::Rng::with_seed(1);
        let now = Instant::now();
        let deadline = now + Duration::from_secs(600);
        for _ in 0..1000 {
            let at = policy.renew_at(now, deadline, &mut rng);
            // margin 150 s, jitter up to 75 s more.
            assert!(at <= deadline - Duration::from_secs(150));
            assert!(at >= deadline - Duration::from_secs(225));
        }
        // Something already expired is acted on now, not in the past.
        assert_eq!(policy.renew_at(now, now, &mut rng), now);
    }
}
