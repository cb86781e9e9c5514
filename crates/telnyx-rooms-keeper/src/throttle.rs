//! The pool-wide call budget: a token bucket whose rate is learnt from the server's throttling, the
//! jittered pause a server's `Retry-After` imposes on every call, and the rates behind `PoolMetrics`.
//!
//! The rate follows the server the way TCP's CUBIC follows a network: each throttling episode cuts
//! it to `CUT` of what the pool was sending; it then climbs back along a cubic curve, fast at first
//! and flat near the rate that was throttled, then faster again as it probes above. The curve's
//! steepness is one constant per pool (a rate at the configured maximum is regained in
//! `RECOVERY`), so a pool cut from a small rate is back at it sooner, and every pool probes above
//! its last peak at the same pace: pools sharing one account, each throttled in proportion to what
//! it sends, drift toward equal shares without talking to each other. A configured maximum caps the
//! rate throughout.
//!
//! The bucket itself is a few lines here rather than `governor`'s: a `governor` quota is fixed for
//! the life of its limiter (changing it means a new limiter, which forgets what was spent), and
//! this rate changes with every throttling answer and every instant of the climb back.

use std::time::Duration;

use tokio::time::Instant;

/// On throttling, the allowed rate is cut to this fraction of what the pool was sending.
const CUT: f64 = 0.7;
/// After a cut from the configured maximum (or, without one, from the first rate throttled), the
/// rate is back where it was after this long; from lower rates, sooner.
const RECOVERY: Duration = Duration::from_secs(10);
/// Without a configured maximum, the curve's scale is the first rate throttled, but at least this
/// many calls per second: a pool sending little regains it within seconds.
const MIN_SCALE: f64 = 10.0;
/// The allowed rate never drops below this many calls per second.
const MIN_RATE: f64 = 1.0;
/// A bucket this close to a whole call holds one (float rounding of the refill).
const EPSILON: f64 = 1e-9;
/// A server's delay is lengthened by up to this fraction of itself at random (at most a second),
/// so pools told the same `Retry-After` do not all resume in the same instant.
const PAUSE_JITTER: f64 = 0.5;
/// For this long after the server last throttled the pool, its account counts as contended.
const CONTENDED: Duration = Duration::from_secs(300);
/// How much each second's achieved rate weighs in the smoothed one.
const SMOOTHING: f64 = 0.3;

/// The pool's rate settings, fixed when it is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RateSettings {
    /// Calls per second at most; `None`: unlimited until the server throttles.
    pub(crate) max_per_second: Option<f64>,
    /// Calls the bucket lets through at once; `None`: a tenth of a second's worth, at least 1.
    pub(crate) burst: Option<f64>,
    /// Whether a server's delay pauses the whole pool and throttling lowers the rate.
    pub(crate) backpressure: bool,
}

/// Events per whole second.
#[derive(Debug)]
struct PerSecond {
    start: Instant,
    count: u32,
    last: u32,
}

impl PerSecond {
    fn new(now: Instant) -> Self {
        Self {
            start: now,
            count: 0,
            last: 0,
        }
    }

    fn roll(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.start);
        if elapsed >= Duration::from_secs(1) {
            // A window with nothing after it (a quiet second) reports zero.
            self.last = if elapsed < Duration::from_secs(2) {
                self.count
            } else {
                0
            };
            self.count = 0;
            self.start += Duration::from_secs(elapsed.as_secs());
        }
    }

    fn add(&mut self, now: Instant) {
        self.roll(now);
        self.count = self.count.saturating_add(1);
    }

    /// The last whole second's count, or the current one's if it is already larger.
    fn recent(&mut self, now: Instant) -> u32 {
        self.roll(now);
        self.last.max(self.count)
    }
}

/// What the server taught: the rate it throttled, and when.
#[derive(Debug, Clone, Copy)]
struct Learnt {
    peak: f64,
    cut_at: Instant,
    /// The cubic's constant, calls/s⁴: `scale × (1 − CUT) / RECOVERY³`.
    steepness: f64,
}

impl Learnt {
    fn new(peak: f64, cut_at: Instant, scale: f64) -> Self {
        Self {
            peak,
            cut_at,
            steepness: scale * (1.0 - CUT) / RECOVERY.as_secs_f64().powi(3),
        }
    }

    /// The rate `now`: `CUT × peak` at the cut, `peak` again after `∛(peak × (1 − CUT) /
    /// steepness)` seconds, rising ever faster after.
    fn rate(&self, now: Instant) -> f64 {
        let t = now.saturating_duration_since(self.cut_at).as_secs_f64();
        let back = (self.peak * (1.0 - CUT) / self.steepness).cbrt();
        (self.peak + self.steepness * (t - back).powi(3)).max(MIN_RATE)
    }
}

/// The bucket, the pause and the counters of one pool.
#[derive(Debug)]
pub(crate) struct Throttle {
    settings: RateSettings,
    /// The configured maximum, if it is a usable rate.
    ceiling: Option<f64>,
    /// The rate whose cut is regained in `RECOVERY`: the ceiling, or the first rate throttled.
    scale: Option<f64>,
    learnt: Option<Learnt>,
    tokens: f64,
    refilled_at: Instant,
    paused_until: Option<Instant>,
    sent: PerSecond,
    succeeded: u64,
    /// Answers with a token per second while calls waited for the budget, smoothed.
    achieved: Option<f64>,
    measured_at: Instant,
    measured_succeeded: u64,
    pub(crate) calls: u64,
    pub(crate) throttled: u64,
}

impl Throttle {
    pub(crate) fn new(settings: RateSettings, now: Instant) -> Self {
        let ceiling = settings
            .max_per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| r.max(f64::MIN_POSITIVE));
        let mut throttle = Self {
            settings,
            ceiling,
            scale: ceiling,
            learnt: None,
            tokens: 0.0,
            refilled_at: now,
            paused_until: None,
            sent: PerSecond::new(now),
            succeeded: 0,
            achieved: None,
            measured_at: now,
            measured_succeeded: 0,
            calls: 0,
            throttled: 0,
        };
        // The bucket starts full: a pool's first calls go out at once, up to the burst.
        throttle.tokens = throttle.burst(now);
        throttle
    }

    /// Calls allowed per second now; `None`: unlimited.
    pub(crate) fn allowed_rate(&mut self, now: Instant) -> Option<f64> {
        let Some(learnt) = self.learnt else {
            return self.ceiling;
        };
        let rate = learnt.rate(now);
        match self.ceiling {
            Some(ceiling) => Some(rate.min(ceiling)),
            None if rate >= learnt.peak && now > learnt.cut_at => {
                // Back where the server last objected, with no configured limit: unlimited again.
                self.learnt = None;
                None
            }
            None => Some(rate),
        }
    }

    fn burst(&mut self, now: Instant) -> f64 {
        match (self.settings.burst, self.allowed_rate(now)) {
            (Some(burst), _) => burst.max(1.0),
            (None, Some(rate)) => (rate / 10.0).max(1.0),
            (None, None) => f64::INFINITY,
        }
    }

    /// Takes one call from the budget, or says when the next one may start.
    pub(crate) fn admit(&mut self, now: Instant) -> Result<(), Instant> {
        if let Some(until) = self.paused_until {
            if now < until {
                return Err(until);
            }
            self.paused_until = None;
        }
        if let Some(rate) = self.allowed_rate(now) {
            let elapsed = now
                .saturating_duration_since(self.refilled_at)
                .as_secs_f64();
            self.tokens = (self.tokens + elapsed * rate).min(self.burst(now));
            self.refilled_at = now;
            // Float rounding may leave a hair short of a whole call; that counts as one.
            if self.tokens < 1.0 - EPSILON {
                // At least a microsecond ahead: a wake-up at `now` would spin without time moving.
                let wait = Duration::try_from_secs_f64((1.0 - self.tokens) / rate)
                    .unwrap_or(Duration::MAX)
                    .max(Duration::from_micros(1));
                return Err(now.checked_add(wait).unwrap_or(now + RECOVERY));
            }
            self.tokens = (self.tokens - 1.0).max(0.0);
        }
        self.sent.add(now);
        self.calls += 1;
        Ok(())
    }

    /// A call brought a token.
    pub(crate) fn on_success(&mut self) {
        self.succeeded += 1;
    }

    /// The server throttled a call sent at `sent`, asking to wait `delay` (if it said): pause every
    /// call until then (lengthened by `jitter` — a draw in `[0, 1)` — times up to half the delay,
    /// at most a second), and cut the rate once per episode — answers to calls sent before the last
    /// cut were already counted in it.
    ///
    /// Returns the new pause end, if this answer moved it.
    pub(crate) fn on_throttled(
        &mut self,
        now: Instant,
        sent: Instant,
        delay: Option<Duration>,
        jitter: f64,
    ) -> Option<Instant> {
        self.throttled += 1;
        if !self.settings.backpressure {
            return None;
        }
        if self.learnt.is_none_or(|learnt| sent >= learnt.cut_at) {
            let sending = f64::from(self.sent.recent(now)).max(MIN_RATE);
            let peak = self
                .allowed_rate(now)
                .map_or(sending, |rate| rate.min(sending));
            // The curve's scale: the configured maximum, or the first rate the server throttled.
            let scale = *self.scale.get_or_insert(peak.max(MIN_SCALE));
            self.learnt = Some(Learnt::new(peak, now, scale));
            self.tokens = 0.0;
            self.refilled_at = now;
        }
        let delay = delay?;
        let extra = delay.mul_f64(PAUSE_JITTER).min(Duration::from_secs(1));
        let until = now
            .checked_add(delay)?
            .checked_add(extra.mul_f64(jitter.clamp(0.0, 1.0)))?;
        if self.paused_until.is_some_and(|paused| paused >= until) {
            return None;
        }
        self.paused_until = Some(until);
        // Nothing accrues while paused: one call may go when it ends, the rest follow at the rate,
        // not in a burst.
        self.tokens = 1.0;
        self.refilled_at = until;
        Some(until)
    }

    /// Whether the server throttled the pool lately: its account is shared with others, or smaller
    /// than the budget.
    pub(crate) fn contended(&self, now: Instant) -> bool {
        self.learnt
            .is_some_and(|learnt| now.saturating_duration_since(learnt.cut_at) < CONTENDED)
    }

    /// Until when every call waits for the server, if it asked.
    pub(crate) fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.paused_until.filter(|until| *until > now)
    }

    /// Calls started in the last whole second.
    pub(crate) fn calls_last_second(&mut self, now: Instant) -> u32 {
        self.sent.roll(now);
        self.sent.last
    }

    /// Folds the answers with a token since the last measurement into the achieved rate, if calls
    /// waited for the budget meanwhile (`backlogged`): a pool with nothing to do says nothing about
    /// what it could do.
    pub(crate) fn measure(&mut self, now: Instant, backlogged: bool) {
        let elapsed = now
            .saturating_duration_since(self.measured_at)
            .as_secs_f64();
        if elapsed <= 0.0 {
            return;
        }
        let succeeded = self.succeeded - self.measured_succeeded;
        if backlogged {
            let sample = succeeded as f64 / elapsed;
            self.achieved = Some(match self.achieved {
                Some(rate) => rate + SMOOTHING * (sample - rate),
                None => sample,
            });
        }
        self.measured_at = now;
        self.measured_succeeded = self.succeeded;
    }

    /// Answers with a token per second while calls waited, smoothed; `None` before any was seen.
    pub(crate) fn achieved_rate(&self) -> Option<f64> {
        self.achieved
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn settings(max: Option<f64>, burst: Option<f64>) -> RateSettings {
        RateSettings {
            max_per_second: max,
            burst,
            backpressure: true,
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// How many calls the throttle admits at `now`.
    fn drain(throttle: &mut Throttle, now: Instant) -> usize {
        std::iter::from_fn(|| throttle.admit(now).ok())
            .take(100_000)
            .count()
    }

    /// Sends at `rate` per second from `from` for `seconds`, as a busy pool would.
    fn send(throttle: &mut Throttle, from: Instant, seconds: u64, rate: u64) -> Instant {
        let step = Duration::from_secs(1) / u32::try_from(rate).unwrap();
        let mut now = from;
        for _ in 0..seconds * rate {
            let _ = throttle.admit(now);
            now += step;
        }
        now
    }

    #[test]
    fn the_bucket_lets_the_burst_through_then_the_rate() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(Some(100.0), Some(5.0)), t0);
        assert_eq!(drain(&mut throttle, t0), 5);
        // The next call is due when one more has accrued: 10 ms at 100/s.
        assert_eq!(throttle.admit(t0), Err(t0 + ms(10)));
        assert_eq!(drain(&mut throttle, t0 + ms(10)), 1);
        // A full second brings 100, but the bucket holds at most the burst.
        assert_eq!(drain(&mut throttle, t0 + Duration::from_secs(2)), 5);
        assert_eq!(throttle.calls, 11);
    }

    #[test]
    fn the_default_burst_is_a_tenth_of_a_second_and_no_limit_admits_everything() {
        let t0 = Instant::now();
        assert_eq!(
            drain(&mut Throttle::new(settings(Some(200.0), None), t0), t0),
            20
        );
        assert_eq!(
            drain(&mut Throttle::new(settings(Some(3.0), None), t0), t0),
            1
        );
        let mut unlimited = Throttle::new(settings(None, None), t0);
        assert_eq!(drain(&mut unlimited, t0), 100_000);
        assert_eq!(unlimited.allowed_rate(t0), None);
        for nonsense in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let mut throttle = Throttle::new(settings(Some(nonsense), None), t0);
            assert_eq!(throttle.allowed_rate(t0), None, "{nonsense}");
        }
    }

    #[test]
    fn throttling_pauses_everything_and_cuts_the_rate_once_per_episode() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(Some(100.0), Some(10.0)), t0);
        let now = send(&mut throttle, t0, 2, 100);
        // A 2 s delay, lengthened by a jitter draw of 0.5 × (at most a second): 2.5 s.
        let until = throttle.on_throttled(now, now, Some(Duration::from_secs(2)), 0.5);
        assert_eq!(until, Some(now + ms(2500)));
        assert_eq!(throttle.allowed_rate(now), Some(70.0));
        // Other answers to calls sent before the cut neither cut again nor shorten the pause.
        assert_eq!(
            throttle.on_throttled(now + ms(1), now - ms(1), Some(Duration::from_secs(1)), 0.0),
            None
        );
        assert_eq!(throttle.allowed_rate(now), Some(70.0));
        assert_eq!(throttle.throttled, 2);
        assert_eq!(throttle.admit(now + ms(100)), Err(now + ms(2500)));
        assert_eq!(throttle.paused_until(now + ms(100)), Some(now + ms(2500)));
        // After the pause, one call goes at once and the rest follow at the rate, no burst.
        let resumed = now + ms(2500);
        assert!(throttle.admit(resumed).is_ok());
        assert!(throttle.admit(resumed).is_err());
        assert_eq!(throttle.paused_until(resumed), None);
        // A call sent after the cut that is throttled again cuts again, from what was sent.
        let later = send(&mut throttle, resumed, 2, 40);
        throttle.on_throttled(later, later, None, 0.0);
        assert_eq!(throttle.allowed_rate(later), Some(28.0));
    }

    #[test]
    fn the_learnt_rate_climbs_back_flat_near_the_throttled_one_then_probes_above() {
        let t0 = Instant::now();
        let throttled = |sending: u64| {
            let mut throttle = Throttle::new(settings(Some(190.0), None), t0);
            let now = send(&mut throttle, t0, 2, sending);
            throttle.on_throttled(now, now, None, 0.0);
            (throttle, now)
        };
        let at = |throttle: &mut Throttle, now: Instant, secs: f64| {
            throttle
                .allowed_rate(now + Duration::from_secs_f64(secs))
                .unwrap()
        };
        // Sending at the 190 maximum: cut to 133, back at 190 after RECOVERY (10 s).
        let (mut full, now) = throttled(190);
        assert!((at(&mut full, now, 0.0) - 133.0).abs() < 1e-9);
        assert!((at(&mut full, now, 10.0) - 190.0).abs() < 1e-9);
        // Sending 50/s (others share the account): the peak is 50, not 190; cut to 35 and back
        // sooner, after ∛(50 / 190) × 10 s = 6.4 s, dwelling near 50 on the way.
        let (mut shared, now) = throttled(50);
        assert!((at(&mut shared, now, 0.0) - 35.0).abs() < 1e-9);
        let back = (50.0_f64 / 190.0).cbrt() * 10.0;
        assert!((at(&mut shared, now, back) - 50.0).abs() < 1e-9);
        for secs in [5.0, 6.0, 7.0, 8.0] {
            assert!((at(&mut shared, now, secs) - 50.0).abs() < 1.0, "{secs} s");
        }
        // Above the peak, every pool probes at the same pace, whatever its peak.
        let (mut small, now) = throttled(20);
        let small_back = (20.0_f64 / 190.0).cbrt() * 10.0;
        let above =
            |throttle: &mut Throttle, back: f64, peak: f64| at(throttle, now, back + 4.0) - peak;
        let probe = above(&mut shared, back, 50.0);
        assert!(probe > 3.0 && (probe - above(&mut small, small_back, 20.0)).abs() < 1e-6);
        // Never above the maximum; repeated throttling bottoms out at one call per second.
        assert_eq!(at(&mut shared, now, 60.0), 190.0);
        for i in 0..50 {
            let later = now + Duration::from_secs(61) + ms(i);
            shared.on_throttled(later, later, None, 0.0);
        }
        assert_eq!(at(&mut shared, now, 61.0), MIN_RATE);
    }

    #[test]
    fn without_a_maximum_the_cut_starts_from_the_measured_rate_and_lifts_again() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(None, None), t0);
        assert_eq!(drain(&mut throttle, t0), 100_000);
        // 100,000 calls in the first second, then the server objects.
        throttle.on_throttled(
            t0 + ms(1500),
            t0 + ms(1400),
            Some(Duration::from_secs(1)),
            0.0,
        );
        assert_eq!(throttle.allowed_rate(t0 + ms(1500)), Some(70_000.0));
        // Back at the throttled rate (after RECOVERY), unlimited again.
        assert!(throttle.allowed_rate(t0 + ms(11_000)).is_some());
        assert_eq!(throttle.allowed_rate(t0 + ms(11_600)), None);
        // A pool sending one call a second regains it within seconds, not RECOVERY.
        let mut quiet = Throttle::new(settings(None, None), t0);
        quiet.admit(t0).unwrap();
        quiet.on_throttled(t0, t0, None, 0.0);
        assert_eq!(quiet.allowed_rate(t0), Some(MIN_RATE));
        assert_eq!(quiet.allowed_rate(t0 + Duration::from_secs(5)), None);
    }

    #[test]
    fn pauses_are_jittered_by_up_to_half_the_delay_and_at_most_a_second() {
        let t0 = Instant::now();
        let cases = [
            (1, 0.0, 1000),
            (1, 0.99, 1495),
            (60, 0.5, 60_500),
            (60, 0.99, 60_990),
        ];
        for (delay, jitter, pause_ms) in cases {
            let mut throttle = Throttle::new(settings(Some(10.0), None), t0);
            let until = throttle.on_throttled(t0, t0, Some(Duration::from_secs(delay)), jitter);
            assert_eq!(until, Some(t0 + ms(pause_ms)), "{delay} s, {jitter}");
        }
    }

    #[test]
    fn without_backpressure_throttling_is_only_counted() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(
            RateSettings {
                backpressure: false,
                ..settings(Some(10.0), None)
            },
            t0,
        );
        assert_eq!(
            throttle.on_throttled(t0, t0, Some(Duration::from_secs(5)), 0.5),
            None
        );
        assert_eq!(throttle.allowed_rate(t0), Some(10.0));
        assert_eq!(throttle.paused_until(t0), None);
        assert_eq!(throttle.throttled, 1);
    }

    /// A bucket a rounding error short of a call once woke the scheduler at `now` forever: under
    /// paused time, a rate of 4/s and 240 sessions hung the pool.
    #[test]
    fn a_bucket_a_hair_short_of_a_call_admits_it_or_waits_a_real_while() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(Some(4.0), Some(1.0)), t0);
        throttle.tokens = 1.0 - 1e-12;
        assert_eq!(throttle.admit(t0), Ok(()));
        throttle.tokens = 1.0 - 1e-6;
        let at = throttle.admit(t0).expect_err("short of a call");
        assert!(at > t0, "wakes later than now");
    }

    #[test]
    fn calls_are_counted_per_whole_second() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(None, None), t0);
        for i in 0..30 {
            throttle.admit(t0 + ms(i * 10)).unwrap();
        }
        assert_eq!(throttle.calls_last_second(t0 + ms(500)), 0);
        assert_eq!(throttle.calls_last_second(t0 + ms(1500)), 30);
        assert_eq!(throttle.calls_last_second(t0 + ms(2500)), 0);
        throttle.admit(t0 + ms(2600)).unwrap();
        assert_eq!(throttle.calls_last_second(t0 + ms(5000)), 0);
    }

    #[test]
    fn the_achieved_rate_counts_only_seconds_with_a_backlog_and_is_smoothed() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(None, None), t0);
        assert_eq!(throttle.achieved_rate(), None);
        let succeed = |throttle: &mut Throttle, n: u32| (0..n).for_each(|_| throttle.on_success());
        succeed(&mut throttle, 3);
        throttle.measure(t0 + Duration::from_secs(1), false);
        assert_eq!(throttle.achieved_rate(), None, "no backlog: says nothing");
        succeed(&mut throttle, 20);
        throttle.measure(t0 + Duration::from_secs(2), true);
        assert_eq!(throttle.achieved_rate(), Some(20.0));
        succeed(&mut throttle, 10);
        throttle.measure(t0 + Duration::from_secs(3), true);
        assert_eq!(
            throttle.achieved_rate(),
            Some(20.0 + SMOOTHING * (10.0 - 20.0))
        );
    }
}
