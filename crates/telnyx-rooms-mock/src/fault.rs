//! Fault injection: what to break, for how many attempts, and the attempt counters behind "the first K".
//!
//! A fault is set per server ([`MockServerBuilder::fault`](crate::MockServerBuilder::fault),
//! [`MockServer::inject`](crate::MockServer::inject)) or per request with the
//! [`FAULT_HEADER`] header, whose value is the [`Fault`] text form, e.g.
//! `x-mock-fault: status=503;times=2`. A client retrying sends the same header on every attempt, so
//! "`times=K`" makes the first K attempts fail and the next succeed; attempts are counted per
//! operation, or per `key=…` when the client wants its own counter (e.g. one per test).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::options::parse_duration;

/// The request header that carries a per-request fault.
pub const FAULT_HEADER: &str = "x-mock-fault";

/// How many distinct per-request counters are kept; the oldest is forgotten beyond this, so a
/// client choosing a fresh key per request cannot grow the server's memory without bound.
const MAX_COUNTERS: usize = 4096;

/// What the server does instead of (or on top of) answering normally.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answer with this status and a Telnyx error body before looking at the request.
    Status {
        /// The HTTP status, e.g. 503.
        status: u16,
        /// Seconds to send in `Retry-After` (429 gets 1 unless set).
        retry_after_secs: Option<u64>,
    },
    /// Close the connection without answering.
    Reset,
    /// Answer a valid request with its success status and a body that is not JSON.
    MalformedJson,
    /// Answer a valid request with its success status and these fields removed from `data`
    /// (every field when empty).
    MissingFields(Vec<String>),
}

/// One injected fault: an optional delay, an optional action, how many attempts it lasts.
///
/// Text form (the [`FAULT_HEADER`] value and `--fault` of the binary): `;`-separated directives,
/// `status=503`, `retry-after=2`, `delay=250ms`, `reset`, `malformed-json`,
/// `missing-fields[=token,token_expires_at]`, `header=x-should-retry:false`, `times=2`,
/// `key=my-test`, `op=CreateRoomClientToken`, `chance=10%` (or `chance=0.1`: the fault applies to
/// each attempt with that probability, drawn independently; a server rule that does not apply
/// leaves the attempt to the next rule).
///
/// ```
/// use std::time::Duration;
/// use telnyx_rooms_mock::Fault;
///
/// let fault: Fault = "status=429;retry-after=3;times=2".parse().expect("a valid fault");
/// assert_eq!(fault, Fault::status(429).retry_after(Duration::from_secs(3)).times(2));
/// assert_eq!(fault.to_string(), "status=429;retry-after=3;times=2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fault {
    delay: Option<Duration>,
    action: Option<FaultAction>,
    times: Option<u32>,
    key: Option<String>,
    operation: Option<String>,
    headers: Vec<(String, String)>,
    /// Probability of applying to an attempt, in millionths (`None`: always).
    chance_ppm: Option<u32>,
}

/// Every directive of the text form, as an error about an unknown one lists them.
const DIRECTIVES: &str = "status=N, retry-after=DURATION, delay=DURATION, reset, malformed-json, \
     missing-fields[=a,b], header=name:value, times=N, key=NAME, op=OperationId, chance=P%";

/// One in a million: the resolution of [`Fault::chance`].
const PPM: u32 = 1_000_000;

impl Fault {
    /// Answer with `status` (and a Telnyx error body).
    pub fn status(status: u16) -> Self {
        Self::with_action(FaultAction::Status {
            status,
            retry_after_secs: None,
        })
    }

    /// Wait `delay` before handling the request (normally, unless an action is added).
    pub fn delayed(delay: Duration) -> Self {
        Self {
            delay: Some(delay),
            ..Self::default()
        }
    }

    /// Close the connection without a response.
    pub fn reset() -> Self {
        Self::with_action(FaultAction::Reset)
    }

    /// Success status with a body that is not JSON.
    pub fn malformed_json() -> Self {
        Self::with_action(FaultAction::MalformedJson)
    }

    /// Success status with `fields` removed from `data` (all of them when `fields` is empty).
    pub fn missing_fields<I, S>(fields: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self::with_action(FaultAction::MissingFields(
            fields.into_iter().map(Into::into).collect(),
        ))
    }

    fn with_action(action: FaultAction) -> Self {
        Self {
            action: Some(action),
            ..Self::default()
        }
    }

    /// Also wait `delay` before acting.
    #[must_use]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }

    /// Sets `Retry-After` (whole seconds, rounded up) on a status fault; no effect on other faults.
    #[must_use]
    pub fn retry_after(mut self, after: Duration) -> Self {
        if let Some(FaultAction::Status {
            retry_after_secs, ..
        }) = &mut self.action
        {
            *retry_after_secs = Some(ceil_secs(after));
        }
        self
    }

    /// Lasts for the first `attempts` attempts only (forever when not set).
    #[must_use]
    pub fn times(mut self, attempts: u32) -> Self {
        self.times = Some(attempts);
        self
    }

    /// Counts attempts of a per-request fault under `key` instead of the operation id.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Applies a server-level fault to one operation (by `operationId`) instead of every route.
    #[must_use]
    pub fn for_operation(mut self, operation_id: impl Into<String>) -> Self {
        self.operation = Some(operation_id.into());
        self
    }

    /// Adds a header to the answer, whatever it is (e.g. `x-should-retry: false` on a 503, or
    /// `retry-after-ms: 1500` on a 429). Text form: `header=name:value`, repeatable.
    ///
    /// A name or value that cannot be an HTTP header is left out of the answer.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The extra response headers.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The delay, if any.
    pub fn delay(&self) -> Option<Duration> {
        self.delay
    }

    /// The action, if any.
    pub fn action(&self) -> Option<&FaultAction> {
        self.action.as_ref()
    }

    /// Applies to each attempt with `probability` (0 to 1, in steps of one millionth), drawn
    /// independently per attempt.
    #[must_use]
    pub fn chance(mut self, probability: f64) -> Self {
        let ppm = (probability.clamp(0.0, 1.0) * f64::from(PPM)).round();
        // In 0..=PPM after the clamp, so the conversion is exact.
        self.chance_ppm = Some(ppm as u32);
        self
    }

    fn applies_to(&self, operation_id: &str) -> bool {
        self.operation
            .as_deref()
            .is_none_or(|op| op == operation_id)
    }

    fn lasts_for(&self, attempt: u32) -> bool {
        self.times.is_none_or(|times| attempt <= times)
    }
}

fn ceil_secs(duration: Duration) -> u64 {
    // Saturating: the text form accepts durations up to `Duration::MAX`, whose seconds are `u64::MAX`.
    duration
        .as_secs()
        .saturating_add(u64::from(duration.subsec_nanos() > 0))
}

/// Why a fault's text form was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault `{input}`: {reason}")]
pub struct FaultParseError {
    input: String,
    reason: String,
}

impl FromStr for Fault {
    type Err = FaultParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| FaultParseError {
            input: input.to_owned(),
            reason,
        };
        let mut fault = Self::default();
        let mut retry_after = None;
        for directive in input.split(';').map(str::trim).filter(|d| !d.is_empty()) {
            let (name, value) = match directive.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim())),
                None => (directive, None),
            };
            let action = fault
                .apply_directive(name, value, &mut retry_after)
                .map_err(&fail)?;
            if let Some(action) = action {
                if fault.action.is_some() {
                    return Err(fail(
                        "name at most one of status, reset, malformed-json, missing-fields"
                            .to_owned(),
                    ));
                }
                fault.action = Some(action);
            }
        }
        match (&mut fault.action, retry_after) {
            (
                Some(FaultAction::Status {
                    retry_after_secs, ..
                }),
                Some(secs),
            ) => *retry_after_secs = Some(secs),
            (_, Some(_)) => return Err(fail("`retry-after` needs `status`".to_owned())),
            _ => {}
        }
        if fault.action.is_none() && fault.delay.is_none() && fault.headers.is_empty() {
            return Err(fail("name a delay, an action or a header".to_owned()));
        }
        Ok(fault)
    }
}

impl Fault {
    /// One `name=value` directive of the text form: a setting is stored here (`retry-after`
    /// waits in `retry_after` until the action is known); an action is returned.
    fn apply_directive(
        &mut self,
        name: &str,
        value: Option<&str>,
        retry_after: &mut Option<u64>,
    ) -> Result<Option<FaultAction>, String> {
        let needs = || {
            value
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        match name {
            "delay" => self.delay = Some(parse_duration(needs()?)?),
            "retry-after" => *retry_after = Some(ceil_secs(parse_duration(needs()?)?)),
            "times" => {
                self.times = Some(
                    needs()?
                        .parse()
                        .map_err(|_| "`times` must be a whole number".to_owned())?,
                );
            }
            "key" => self.key = Some(needs()?.to_owned()),
            "header" => {
                let (name, value) = needs()?
                    .split_once(':')
                    .map(|(n, v)| (n.trim(), v.trim()))
                    .filter(|(n, v)| {
                        axum::http::HeaderName::try_from(*n).is_ok()
                            && axum::http::HeaderValue::try_from(*v).is_ok()
                    })
                    .ok_or_else(|| "`header` must be `name:value`".to_owned())?;
                self.headers.push((name.to_owned(), value.to_owned()));
            }
            "op" | "operation" => self.operation = Some(needs()?.to_owned()),
            "chance" => self.chance_ppm = Some(parse_chance(needs()?)?),
            action => return parse_action(action, value).map(Some),
        }
        Ok(None)
    }
}

/// The action directives of the text form: `status=N`, `reset`, `malformed-json`,
/// `missing-fields=a,b`.
fn parse_action(name: &str, value: Option<&str>) -> Result<FaultAction, String> {
    match name {
        "status" => {
            let status = value
                .filter(|v| !v.is_empty())
                .ok_or_else(|| "`status` needs a value".to_owned())?
                .parse::<u16>()
                .ok()
                .filter(|s| (200..=599).contains(s))
                .ok_or_else(|| "`status` must be 200..=599".to_owned())?;
            Ok(FaultAction::Status {
                status,
                retry_after_secs: None,
            })
        }
        "reset" => Ok(FaultAction::Reset),
        "malformed-json" => Ok(FaultAction::MalformedJson),
        "missing-fields" => Ok(FaultAction::MissingFields(
            value
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
        other => Err(format!(
            "unknown directive `{other}`; the directives are {DIRECTIVES}"
        )),
    }
}

/// A probability as `10%` or `0.1`, in millionths.
fn parse_chance(text: &str) -> Result<u32, String> {
    let (number, scale) = match text.strip_suffix('%') {
        Some(percent) => (percent.trim(), 100.0),
        None => (text, 1.0),
    };
    let refuse = || format!("`chance` must be 0% to 100% (or 0 to 1); got `{text}`");
    let value: f64 = number.parse().map_err(|_| refuse())?;
    let probability = value / scale;
    if !(0.0..=1.0).contains(&probability) {
        return Err(refuse());
    }
    // In 0..=PPM: exact.
    Ok((probability * f64::from(PPM)).round() as u32)
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        match &self.action {
            Some(FaultAction::Status {
                status,
                retry_after_secs,
            }) => {
                parts.push(format!("status={status}"));
                if let Some(secs) = retry_after_secs {
                    parts.push(format!("retry-after={secs}"));
                }
            }
            Some(FaultAction::Reset) => parts.push("reset".to_owned()),
            Some(FaultAction::MalformedJson) => parts.push("malformed-json".to_owned()),
            Some(FaultAction::MissingFields(fields)) if fields.is_empty() => {
                parts.push("missing-fields".to_owned());
            }
            Some(FaultAction::MissingFields(fields)) => {
                parts.push(format!("missing-fields={}", fields.join(",")));
            }
            None => {}
        }
        if let Some(delay) = self.delay {
            parts.push(format!("delay={}", humantime::format_duration(delay)));
        }
        if let Some(times) = self.times {
            parts.push(format!("times={times}"));
        }
        if let Some(key) = &self.key {
            parts.push(format!("key={key}"));
        }
        for (name, value) in &self.headers {
            parts.push(format!("header={name}:{value}"));
        }
        if let Some(op) = &self.operation {
            parts.push(format!("op={op}"));
        }
        if let Some(ppm) = self.chance_ppm {
            let (whole, fraction) = (ppm / 10_000, ppm % 10_000);
            let fraction = format!("{fraction:04}");
            match fraction.trim_end_matches('0') {
                "" => parts.push(format!("chance={whole}%")),
                digits => parts.push(format!("chance={whole}.{digits}%")),
            }
        }
        f.write_str(&parts.join(";"))
    }
}

/// The server's faults and attempt counters.
#[derive(Debug)]
pub(crate) struct FaultBook {
    rules: Mutex<Vec<Rule>>,
    counters: Mutex<Counters>,
    draws: Mutex<Draws>,
}

/// Random draws for `chance` (a fault's chance needs no cryptographic quality, only independence
/// between attempts), from a seed a test can set and print to replay a run.
#[derive(Debug)]
struct Draws {
    seed: u64,
    rng: fastrand::Rng,
}

impl Draws {
    fn seeded(seed: u64) -> Self {
        Self {
            seed,
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// Whether an event of probability `ppm` millionths happens.
    fn happens(&mut self, ppm: u32) -> bool {
        self.rng.u32(..PPM) < ppm
    }
}

#[derive(Debug)]
struct Rule {
    fault: Fault,
    matched: u32,
}

#[derive(Debug, Default)]
struct Counters {
    attempts: HashMap<String, u32>,
    order: VecDeque<String>,
}

impl Counters {
    fn next_attempt(&mut self, key: String) -> u32 {
        if let Some(count) = self.attempts.get_mut(&key) {
            *count = count.saturating_add(1);
            return *count;
        }
        if self.order.len() >= MAX_COUNTERS
            && let Some(oldest) = self.order.pop_front()
        {
            self.attempts.remove(&oldest);
        }
        self.order.push_back(key.clone());
        self.attempts.insert(key, 1);
        1
    }
}

impl FaultBook {
    /// The book of `rules`, drawing `chance` from `seed` (a random one when `None`).
    pub(crate) fn new(rules: Vec<Fault>, seed: Option<u64>) -> Self {
        Self {
            rules: Mutex::new(
                rules
                    .into_iter()
                    .map(|fault| Rule { fault, matched: 0 })
                    .collect(),
            ),
            counters: Mutex::default(),
            draws: Mutex::new(Draws::seeded(seed.unwrap_or_else(|| fastrand::u64(..)))),
        }
    }

    /// The seed of the `chance` draws.
    pub(crate) fn seed(&self) -> u64 {
        lock(&self.draws).seed
    }

    /// Whether `fault` applies to this attempt, as its chance says.
    fn draw(&self, fault: &Fault) -> bool {
        fault
            .chance_ppm
            .is_none_or(|ppm| lock(&self.draws).happens(ppm))
    }

    pub(crate) fn push(&self, fault: Fault) {
        lock(&self.rules).push(Rule { fault, matched: 0 });
    }

    pub(crate) fn clear(&self) {
        lock(&self.rules).clear();
        *lock(&self.counters) = Counters::default();
    }

    /// The fault for this attempt of `operation_id`: the request's own (counted per key or
    /// operation) when it names one, else the first server rule for the operation not used up.
    pub(crate) fn select(&self, operation_id: &str, requested: Option<Fault>) -> Option<Fault> {
        if let Some(fault) = requested {
            let key = match &fault.key {
                Some(key) => format!("key:{key}"),
                None => format!("op:{operation_id}"),
            };
            let attempt = lock(&self.counters).next_attempt(key);
            return (fault.lasts_for(attempt) && self.draw(&fault)).then_some(fault);
        }
        let mut rules = lock(&self.rules);
        rules
            .iter_mut()
            .filter(|rule| rule.fault.applies_to(operation_id))
            .filter(|rule| self.draw(&rule.fault))
            .find_map(|rule| {
                let attempt = rule.matched.saturating_add(1);
                rule.fault.lasts_for(attempt).then(|| {
                    rule.matched = attempt;
                    rule.fault.clone()
                })
            })
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests;
