//! The pool-wide call budget: a token bucket whose rate adapts to the server's throttling, the
//! pause a server's `Retry-After` imposes on every call, and the counters behind `PoolMetrics`.

use std::time::Duration;

use tokio::time::Instant;

/// On throttling, the allowed rate is cut to this fraction of what it was (or of the measured rate).
const CUT: f64 = 0.7;
/// After a cut, the rate grows back to the configured maximum over this much time of successes.
const RECOVERY: Duration = Duration::from_secs(10);
/// The allowed rate never drops below this many calls per second.
const MIN_RATE: f64 = 1.0;
/// A bucket this close to a whole call holds one (float rounding of the refill).
const EPSILON: f64 = 1e-9;

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

/// Calls started per whole second, to report and to cut from when no maximum is configured.
#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
    last: u32,
}

impl Window {
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
            let whole = Duration::from_secs(elapsed.as_secs());
            self.start += whole;
        }
    }
}

/// The bucket, the pause and the counters of one pool.
#[derive(Debug)]
pub(crate) struct Throttle {
    settings: RateSettings,
    /// Allowed calls per second now; `None`: unlimited.
    rate: Option<f64>,
    /// The rate grows back to this after a cut (the configured maximum, or the rate measured when
    /// no maximum is configured).
    ceiling: f64,
    tokens: f64,
    refilled_at: Instant,
    adjusted_at: Instant,
    last_cut: Option<Instant>,
    paused_until: Option<Instant>,
    window: Window,
    pub(crate) calls: u64,
    pub(crate) throttled: u64,
}

impl Throttle {
    pub(crate) fn new(settings: RateSettings, now: Instant) -> Self {
        let rate = settings
            .max_per_second
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| r.max(f64::MIN_POSITIVE));
        let mut throttle = Self {
            settings,
            rate,
            ceiling: rate.unwrap_or(f64::INFINITY),
            tokens: 0.0,
            refilled_at: now,
            adjusted_at: now,
            last_cut: None,
            paused_until: None,
            window: Window {
                start: now,
                count: 0,
                last: 0,
            },
            calls: 0,
            throttled: 0,
        };
        // The bucket starts full: a pool's first calls go out at once, up to the burst.
        throttle.tokens = throttle.burst();
        throttle
    }

    fn burst(&self) -> f64 {
        match (self.settings.burst, self.rate) {
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
        if let Some(rate) = self.rate {
            let elapsed = now
                .saturating_duration_since(self.refilled_at)
                .as_secs_f64();
            self.tokens = (self.tokens + elapsed * rate).min(self.burst());
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
        self.window.roll(now);
        self.window.count = self.window.count.saturating_add(1);
        self.calls += 1;
        Ok(())
    }

    /// A call succeeded: the rate grows back toward its ceiling.
    pub(crate) fn on_success(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.adjusted_at);
        self.adjusted_at = now;
        if let Some(rate) = self.rate
            && self.last_cut.is_some()
        {
            let step = self.ceiling * elapsed.as_secs_f64() / RECOVERY.as_secs_f64();
            let grown = rate + step;
            if grown >= self.ceiling && self.settings.max_per_second.is_none() {
                // Back where the server first objected, with no configured limit: unlimited again.
                self.rate = None;
                self.last_cut = None;
            } else {
                self.rate = Some(grown.min(self.ceiling));
            }
        }
    }

    /// The server throttled a call sent at `sent`, asking to wait `delay` (if it said): pause every
    /// call until then, and cut the rate once per episode — answers to calls sent before the last
    /// cut were already counted in it.
    ///
    /// Returns the new pause end, if this answer moved it.
    pub(crate) fn on_throttled(
        &mut self,
        now: Instant,
        sent: Instant,
        delay: Option<Duration>,
    ) -> Option<Instant> {
        self.throttled += 1;
        if !self.settings.backpressure {
            return None;
        }
        if self.last_cut.is_none_or(|cut| sent >= cut) {
            self.window.roll(now);
            let measured = f64::from(self.window.last.max(self.window.count));
            let current = self.rate.unwrap_or(measured);
            if self.settings.max_per_second.is_none() && self.rate.is_none() {
                self.ceiling = measured.max(MIN_RATE);
            }
            self.rate = Some((current * CUT).max(MIN_RATE));
            self.tokens = 0.0;
            self.refilled_at = now;
            self.adjusted_at = now;
            self.last_cut = Some(now);
        }
        let until = now.checked_add(delay?)?;
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

    /// Until when every call waits for the server, if it asked.
    pub(crate) fn paused_until(&self, now: Instant) -> Option<Instant> {
        self.paused_until.filter(|until| *until > now)
    }

    /// Calls allowed per second now; `None`: unlimited.
    pub(crate) fn allowed_rate(&self) -> Option<f64> {
        self.rate
    }

    /// Calls started in the last whole second.
    pub(crate) fn calls_last_second(&mut self, now: Instant) -> u32 {
        self.window.roll(now);
        self.window.last
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
        assert_eq!(unlimited.allowed_rate(), None);
        for nonsense in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let throttle = Throttle::new(settings(Some(nonsense), None), t0);
            assert_eq!(throttle.allowed_rate(), None, "{nonsense}");
        }
    }

    #[test]
    fn throttling_pauses_everything_and_cuts_the_rate_once_per_episode() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(Some(100.0), Some(10.0)), t0);
        drain(&mut throttle, t0);
        let until = throttle.on_throttled(t0 + ms(5), t0, Some(Duration::from_secs(2)));
        assert_eq!(until, Some(t0 + ms(2005)));
        assert_eq!(throttle.allowed_rate(), Some(70.0));
        // Other answers to calls sent before the cut neither cut again nor shorten the pause.
        assert_eq!(
            throttle.on_throttled(t0 + ms(6), t0, Some(Duration::from_secs(1))),
            None
        );
        assert_eq!(throttle.allowed_rate(), Some(70.0));
        assert_eq!(throttle.throttled, 2);
        assert_eq!(
            throttle.admit(t0 + Duration::from_secs(1)),
            Err(t0 + ms(2005))
        );
        assert_eq!(throttle.paused_until(t0 + ms(100)), Some(t0 + ms(2005)));
        // After the pause, one call goes at once and the rest follow at the new rate, no burst.
        let resumed = t0 + ms(2005);
        assert!(throttle.admit(resumed).is_ok());
        assert!(throttle.admit(resumed).is_err());
        assert_eq!(throttle.paused_until(resumed), None);
        assert_eq!(drain(&mut throttle, resumed + ms(100)), 7);
        // A call sent after the cut that is throttled again cuts again.
        throttle.on_throttled(resumed + ms(200), resumed + ms(100), None);
        assert_eq!(throttle.allowed_rate(), Some(49.0));
    }

    #[test]
    fn successes_grow_the_rate_back_to_the_maximum() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(Some(100.0), None), t0);
        throttle.on_throttled(t0, t0, None);
        assert_eq!(throttle.allowed_rate(), Some(70.0));
        // 10 s of successes restore the whole range; 1 s restores a tenth of the maximum.
        throttle.on_success(t0 + Duration::from_secs(1));
        assert_eq!(throttle.allowed_rate(), Some(80.0));
        throttle.on_success(t0 + Duration::from_secs(60));
        assert_eq!(throttle.allowed_rate(), Some(100.0));
        // Repeated throttling bottoms out at one call per second.
        for _ in 0..50 {
            let now = t0 + Duration::from_secs(61);
            throttle.on_throttled(now, now, None);
        }
        assert_eq!(throttle.allowed_rate(), Some(MIN_RATE));
    }

    #[test]
    fn without_a_maximum_the_cut_starts_from_the_measured_rate_and_lifts_again() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(settings(None, None), t0);
        assert_eq!(drain(&mut throttle, t0), 100_000);
        // 100,000 calls in the first second, then the server objects.
        throttle.on_throttled(t0 + ms(1500), t0 + ms(1400), Some(Duration::from_secs(1)));
        assert_eq!(throttle.allowed_rate(), Some(70_000.0));
        throttle.on_success(t0 + Duration::from_secs(2));
        throttle.on_success(t0 + Duration::from_secs(30));
        assert_eq!(throttle.allowed_rate(), None, "unlimited again");
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
            throttle.on_throttled(t0, t0, Some(Duration::from_secs(5))),
            None
        );
        assert_eq!(throttle.allowed_rate(), Some(10.0));
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
}
