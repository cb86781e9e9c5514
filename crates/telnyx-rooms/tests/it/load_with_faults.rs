//! The facade under load against the mock with random faults: 10,000 creates and refreshes,
//! 256 in flight, about 10 % of attempts answered 503, 429 or a connection reset at random.
//!
//! What a user relies on: with a retry budget of 4 the calls succeed (a call fails only if five
//! attempts in a row are faulted, p⁵ ≈ 10⁻⁵); with the default budget of 2 about p³ ≈ 0.1 % fail;
//! retries cost at most 25 % more attempts than calls; no secret reaches any log. Latency and
//! attempt figures are printed for BENCHMARKS.md, never asserted.
#![allow(clippy::print_stderr)]

use std::io::Write as _;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::support::{Captured, NoWait};
use telnyx_rooms::Client;
use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms_mock::{Fault, MockServer};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing_subscriber::fmt::format::FmtSpan;

const API_KEY: &str = "KEY_LOAD_0123456789abcdef";
const ROOM_ID: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const PAIRS: usize = 5_000;
const IN_FLIGHT: usize = 256;
const CREATE: &str = "CreateRoomClientToken";
const REFRESH: &str = "RefreshRoomClientToken";

fn captured_log() -> &'static Captured {
    static LOG: OnceLock<Captured> = OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let subscriber = captured.subscriber(tracing::Level::DEBUG, FmtSpan::CLOSE);
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        captured
    })
}

/// ~10 % of attempts faulted: 503 4 %, then 429 3 %, then a reset 3.3 % (each drawn in turn).
async fn faulty_mock() -> MockServer {
    telnyx_rooms_testkit::tls::install_crypto_provider();
    MockServer::builder()
        .api_key(API_KEY)
        .fault(Fault::status(503).chance(0.04))
        .fault(Fault::status(429).chance(0.03))
        .fault(Fault::reset().chance(0.033))
        .start()
        .await
        .expect("the mock starts")
}

#[derive(Debug, Default)]
struct Outcome {
    calls: usize,
    failures: usize,
    latencies: Vec<Duration>,
    errors: Vec<String>,
}

impl Outcome {
    fn record(&mut self, latency: Duration, result: Result<(), telnyx_rooms::Error>) {
        self.calls += 1;
        self.latencies.push(latency);
        if let Err(error) = result {
            self.failures += 1;
            self.errors.push(format!("{error} / {error:?}"));
        }
    }

    fn percentile(&mut self, p: f64) -> Duration {
        self.latencies.sort_unstable();
        let rank = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies.get(rank).copied().unwrap_or_default()
    }
}

/// 5,000 creates, each followed by a refresh of its refresh token: 10,000 calls.
async fn drive(server: &MockServer, retries: u32) -> Outcome {
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(server.base_url())
        .sleeper(NoWait)
        .retry_policy(RetryPolicy::default().max_retries(retries))
        .build()
        .expect("a client");
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = JoinSet::new();
    for _ in 0..PAIRS {
        let client = client.clone();
        let permits = permits.clone();
        tasks.spawn(async move {
            let mut calls = Vec::with_capacity(2);
            let permit = permits.acquire_owned().await.expect("open");
            let started = Instant::now();
            match client.create_client_token(ROOM_ID).await {
                Ok(created) => {
                    calls.push((started.elapsed(), Ok(())));
                    let started = Instant::now();
                    let refreshed = client
                        .refresh_client_token(ROOM_ID, created.refresh_token().clone())
                        .await;
                    calls.push((started.elapsed(), refreshed.map(|_| ())));
                }
                Err(error) => calls.push((started.elapsed(), Err(error))),
            }
            drop(permit);
            calls
        });
    }
    let mut outcome = Outcome::default();
    while let Some(calls) = tasks.join_next().await {
        for (latency, result) in calls.expect("no task panics") {
            outcome.record(latency, result);
        }
    }
    outcome
}

fn assert_no_secret(what: &str, text: &str) {
    assert!(!text.contains(API_KEY), "{what} shows the API key");
    // Every token the mock issues is a JWT, whose text starts with the base64url of `{"`.
    assert!(!text.contains("eyJ"), "{what} shows a token");
}

fn report(name: &str, server: &MockServer, outcome: &mut Outcome) -> (u64, f64) {
    let attempts = server.attempts(CREATE) + server.attempts(REFRESH);
    let successes = (outcome.calls - outcome.failures) as u64;
    // Every success is one unfaulted attempt; every other attempt was faulted.
    let p = (attempts - successes) as f64 / attempts as f64;
    let (p50, p99) = (outcome.percentile(0.50), outcome.percentile(0.99));
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "{name}: {} calls, {} failed, {attempts} attempts ({:.3} per call), measured fault rate {:.4}, p50 {:?}, p99 {:?}",
        outcome.calls,
        outcome.failures,
        attempts as f64 / outcome.calls as f64,
        p,
        p50,
        p99,
    );
    (attempts, p)
}

fn assert_clean_logs(server: &MockServer, outcome: &Outcome) {
    for request in server.requests() {
        assert_no_secret("the mock's request log", &format!("{request:?}"));
    }
    for error in &outcome.errors {
        assert_no_secret("an error", error);
    }
    let logged = captured_log().text();
    assert!(logged.contains("telnyx_rooms"), "the facade logged nothing");
    assert_no_secret("the facade's tracing output", &logged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_retry_budget_of_4_the_calls_succeed_through_10_percent_faults() {
    captured_log();
    let server = faulty_mock().await;
    let mut outcome = drive(&server, 4).await;
    let (attempts, p) = report("retries=4", &server, &mut outcome);

    assert!(
        (0.08..0.12).contains(&p),
        "faults on about 10 % of attempts: {p}"
    );
    // A call fails only when 5 attempts in a row are faulted: p⁵ ≈ 10⁻⁵, 0.1 expected in 10,000.
    // More than 3 would happen by chance less than once in 200,000 runs.
    assert!(
        outcome.failures <= 3,
        "{} failed: {:?}",
        outcome.failures,
        outcome.errors
    );
    assert!(
        attempts as f64 <= 1.25 * outcome.calls as f64,
        "{attempts} attempts for {} calls",
        outcome.calls
    );
    assert_clean_logs(&server, &outcome);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_default_budget_of_2_about_p_cubed_fail() {
    captured_log();
    let server = faulty_mock().await;
    let mut outcome = drive(&server, RetryPolicy::default().retries()).await;
    let (attempts, p) = report("retries=2 (default)", &server, &mut outcome);

    let expected = outcome.calls as f64 * p.powi(3);
    let measured = outcome.failures as f64;
    eprintln!(
        "retries=2: failure rate {:.4} % measured, {:.4} % expected (p³ at the measured p)",
        100.0 * measured / outcome.calls as f64,
        100.0 * p.powi(3)
    );
    // Poisson with mean ~10: a band far wider than chance moves it (> 6 standard deviations).
    assert!(
        measured <= 3.0 * expected + 10.0,
        "{measured} failures, {expected:.1} expected"
    );
    assert!(
        attempts as f64 <= 1.25 * outcome.calls as f64,
        "{attempts} attempts for {} calls",
        outcome.calls
    );
    assert!(
        outcome.errors.iter().all(|e| !e.is_empty()),
        "every failure says why"
    );
    assert_clean_logs(&server, &outcome);
}
