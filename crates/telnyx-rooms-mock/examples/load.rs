//! Load generator: the mock's throughput on loopback, create and refresh, N requests in flight,
//! beside a baseline server that answers a fixed 201 body on the same HTTP stack.
//!
//! ```sh
//! cargo run --release -p telnyx-rooms-mock --example load -- [REQUESTS] [IN_FLIGHT]
//! ```
//!
//! Client and servers share one process and one multi-threaded runtime, as in a test suite that
//! starts the mock in-process; the figures therefore include the client's own cost.
#![allow(clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::post;
use serde_json::{Value, json};
use telnyx_rooms_gen::operations;

const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const WARMUP: usize = 500;

/// One measured scenario.
struct Scenario {
    name: &'static str,
    url: String,
    body: String,
    bearer: bool,
}

struct Outcome {
    elapsed: Duration,
    latencies: Vec<Duration>,
    failures: usize,
}

async fn drive(
    http: &reqwest::Client,
    scenario: &Scenario,
    requests: usize,
    in_flight: usize,
) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(in_flight);
    for _ in 0..in_flight {
        let next = next.clone();
        let http = http.clone();
        let url = scenario.url.clone();
        let body = scenario.body.clone();
        let bearer = scenario.bearer;
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0;
            while next.fetch_add(1, Ordering::Relaxed) < requests {
                let sent = Instant::now();
                let mut request = http
                    .post(&url)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
                if bearer {
                    request = request.bearer_auth("KEY_LOAD");
                }
                let ok = match request.send().await {
                    Ok(response) => {
                        let created = response.status() == StatusCode::CREATED;
                        created && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                latencies.push(sent.elapsed());
                failures += usize::from(!ok);
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut failures = 0;
    for worker in workers {
        let (mine, failed) = worker.await.expect("a worker finishes");
        latencies.extend(mine);
        failures += failed;
    }
    Outcome {
        elapsed: started.elapsed(),
        latencies,
        failures,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(rank).copied().unwrap_or_default()
}

/// A server answering every POST with the same 201 body a create returns, without validating,
/// signing or logging: the ceiling the HTTP stack itself allows.
async fn baseline_server(body: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("an address");
    let router = Router::new().route(
        "/v2/{*rest}",
        post(move || {
            let body = body.clone();
            async move {
                (
                    StatusCode::CREATED,
                    [(header::CONTENT_TYPE, "application/json")],
                    body,
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/v2")
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let requests: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let in_flight: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32);

    let server = telnyx_rooms_mock::MockServer::builder()
        .log_capacity(1024)
        .start()
        .await
        .expect("the mock starts");
    // Needed when reqwest's `rustls-no-provider` feature is unified in from the facade.
    telnyx_rooms_testkit::tls::install_crypto_provider();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(in_flight)
        .build()
        .expect("a client");
    let path = |op: &telnyx_rooms_core::meta::Operation| op.path.replace("{room_id}", ROOM);
    let create_url = format!(
        "{}{}",
        server.base_url(),
        path(&operations::CREATE_ROOM_CLIENT_TOKEN)
    );
    let created: Value = http
        .post(&create_url)
        .bearer_auth("KEY_LOAD")
        .json(&json!({}))
        .send()
        .await
        .expect("a create answer")
        .json()
        .await
        .expect("a JSON body");
    let refresh_token = created["data"]["refresh_token"]
        .as_str()
        .expect("a refresh token")
        .to_owned();

    let scenarios = [
        Scenario {
            name: "baseline (fixed 201, same HTTP stack)",
            url: format!(
                "{}{}",
                baseline_server(created.to_string()).await,
                path(&operations::CREATE_ROOM_CLIENT_TOKEN)
            ),
            body: "{}".to_owned(),
            bearer: true,
        },
        Scenario {
            name: "mock create (validate, sign 2 JWTs)",
            url: create_url.clone(),
            body: json!({"token_ttl_secs": 600}).to_string(),
            bearer: true,
        },
        Scenario {
            name: "mock refresh (validate, verify 1, sign 1)",
            url: format!(
                "{}{}",
                server.base_url(),
                path(&operations::REFRESH_ROOM_CLIENT_TOKEN)
            ),
            body: json!({"refresh_token": refresh_token}).to_string(),
            bearer: false,
        },
    ];

    println!("{requests} requests per scenario, {in_flight} in flight, after {WARMUP} warm-up");
    println!(
        "| scenario | requests/s | p50 | p99 | failures |\n| --- | ---: | ---: | ---: | ---: |"
    );
    for scenario in &scenarios {
        drive(&http, scenario, WARMUP, in_flight).await;
        let mut outcome = drive(&http, scenario, requests, in_flight).await;
        outcome.latencies.sort();
        let rate = requests as f64 / outcome.elapsed.as_secs_f64();
        println!(
            "| {} | {rate:.0} | {:.2} ms | {:.2} ms | {} |",
            scenario.name,
            percentile(&outcome.latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&outcome.latencies, 0.99).as_secs_f64() * 1e3,
            outcome.failures,
        );
    }
}
