//! Client CPU per call and calls per second of the `telnyx-rooms` facade against a plain
//! reqwest + serde client making the same request (the floor), side by side in the same run,
//! against a loopback server in a child process (so its CPU is not counted).
//!
//! ```text
//! cargo bench -p telnyx-rooms --bench facade_vs_reqwest
//! BENCH_CALLS=4000 BENCH_ROUNDS=8 cargo bench -p telnyx-rooms --bench facade_vs_reqwest
//! ```
//!
//! Three clients: the SDK, the equivalent floor (plain reqwest + serde with the SDK's timeouts and
//! typed `DateTime` expiries) and the lean floor (no timeout, `String` fields). `BENCH_PROFILE`
//! and `BENCH_COLD` select single runs for callgrind (see BENCHMARKS.md).
//!
//! CPU is the client process's on-CPU time (sum of `/proc/self/task/*/schedstat`, nanoseconds;
//! Linux only) over all its threads. Each scenario (operation × calls in flight) alternates SDK
//! and floor rounds so that machine noise falls on both. Without `--bench` (as `cargo test`
//! runs it) it makes a few calls of each kind and checks both clients agree, then exits.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{Client, Uuid};

const ROOM_ID: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
const API_KEY: &str = "KEY_bench_0123456789";
const ROLE_ENV: &str = "TELNYX_BENCH_ROLE";

const CREATED: &str = r#"{"data":{"token":"eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJhdWQiOiJ0ZWxueXhfYWNjZXNzX3Rva2VuIiwiZXhwIjoxNjE5MDk0Mjk1LCJncmFudHMiOlt7ImFjdGlvbnMiOlsiam9pbiJdLCJyZXNvdXJjZXMiOlsidGVsbnl4OnZpZGVvOnJvb21zOjllMmEwY2JlLWNlNjYtNDExZS1hMWFjLTQ2OGYwYjEwM2M5YSJdfV19.1JGK9PyHkTtoP_iMu-8TzXH_fhmnsDtZZOAJLDzLW6DDtAb80wZ93l1VH5yNx5tFqwIFG0t48dRiBKWlW-nzDA","token_expires_at":"2030-04-22T12:24:55Z","refresh_token":"eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJhdWQiOiJ0ZWxueXhfYWNjZXNzX3Rva2VuIiwiZXhwIjoxNjE5MDkzNzA1LCJ0eXAiOiJyZWZyZXNoIn0.FHsp7KlVXn1E5tTUiKZzmQ4of39gi57AakeQeqI0oAa8hzjFMVb0RGj-mxWTvHVen4GpgsUW_epqqaxK16viCA","refresh_token_expires_at":"2030-04-22T13:14:55Z"}}"#;
const REFRESHED: &str = r#"{"data":{"token":"eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJhdWQiOiJ0ZWxueXhfYWNjZXNzX3Rva2VuIiwiZXhwIjoxNjE5MDk0Mjk1LCJ0eXAiOiJhY2Nlc3MifQ.1JGK9PyHkTtoP_iMu-8TzXH_fhmnsDtZZOAJLDzLW6DDtAb80wZ93l1VH5yNx5tFqwIFG0t48dRiBKWlW-nzDA","token_expires_at":"2030-04-22T12:24:55Z"}}"#;
const REFRESH_TOKEN: &str = "eyJhbGciOiJFZDI1NTE5IiwidHlwIjoiSldUIn0.eyJhdWQiOiJ0ZWxueXhfYWNjZXNzX3Rva2VuIiwiZXhwIjoxNjE5MDkzNzA1LCJ0eXAiOiJyZWZyZXNoIn0.FHsp7KlVXn1E5tTUiKZzmQ4of39gi57AakeQeqI0oAa8hzjFMVb0RGj-mxWTvHVen4GpgsUW_epqqaxK16viCA";

// ---- the loopback server (child process) ----

fn serve() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("server runtime");
    runtime.block_on(async {
        use axum::http::{StatusCode, header};
        use axum::routing::post;

        let reply = |body: &'static str| {
            move |_request: axum::body::Bytes| async move {
                (
                    StatusCode::CREATED,
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::HeaderName::from_static("x-request-id"), "bench"),
                    ],
                    body,
                )
            }
        };
        let app = axum::Router::new()
            .route(
                "/v2/rooms/{room_id}/actions/generate_join_client_token",
                post(reply(CREATED)),
            )
            .route(
                "/v2/rooms/{room_id}/actions/refresh_client_token",
                post(reply(REFRESHED)),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        println!("{}", listener.local_addr().expect("address").port());
        // The parent closes our stdin when it is done; stop then.
        tokio::spawn(async {
            let _ = tokio::task::spawn_blocking(|| {
                let mut sink = String::new();
                let _ = std::io::stdin().read_line(&mut sink);
            })
            .await;
            std::process::exit(0);
        });
        axum::serve(listener, app).await.expect("serve");
    });
}

struct Server {
    child: Child,
    base_url: String,
}

impl Server {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env(ROLE_ENV, "server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut port = String::new();
        BufReader::new(stdout)
            .read_line(&mut port)
            .expect("server port");
        let base_url = format!("http://127.0.0.1:{}/v2", port.trim());
        Self { child, base_url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[path = "support/cold_start.rs"]
mod cold_start;
#[path = "support/floors.rs"]
mod floors;

use floors::{Floor, Lean};

// ---- the SDK ----

async fn sdk_create(client: &Client, room_id: Uuid) -> usize {
    let created = client
        .create_client_token(room_id)
        .token_ttl(Duration::from_secs(600))
        .await
        .expect("create");
    created.token().expose().len()
}

async fn sdk_refresh(client: &Client, room_id: Uuid, refresh_token: String) -> usize {
    let refreshed = client
        .refresh_client_token(room_id, refresh_token)
        .token_ttl(Duration::from_secs(600))
        .await
        .expect("refresh");
    refreshed.token().expose().len()
}

// ---- measurement ----

/// On-CPU time of every thread of this process so far.
fn process_cpu() -> Duration {
    let mut total = 0u64;
    let tasks = std::fs::read_dir("/proc/self/task").expect("/proc/self/task (Linux only)");
    for task in tasks.flatten() {
        if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat"))
            && let Some(ns) = stat
                .split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<u64>().ok())
        {
            total += ns;
        }
    }
    Duration::from_nanos(total)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    Sdk,
    Floor,
    Lean,
}

impl Who {
    const ALL: [Who; 3] = [Who::Sdk, Who::Floor, Who::Lean];

    fn parse(name: &str) -> Option<Self> {
        match name {
            "sdk" => Some(Who::Sdk),
            "floor" => Some(Who::Floor),
            "lean" => Some(Who::Lean),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Who::Sdk => "telnyx-rooms",
            Who::Floor => "equivalent floor (timeouts, DateTime)",
            Who::Lean => "lean floor (no timeout, String)",
        }
    }
}

#[derive(Clone, Copy)]
enum Op {
    Create,
    Refresh,
}

/// Both clients and the inputs a caller holds: a parsed room id, and a refresh token that each
/// call receives as an owned `String` (as a token service gets it in a request body).
struct Clients {
    sdk: Client,
    floor: Floor,
    lean: Lean,
    room_id: Uuid,
    refresh_token: String,
}

async fn one_call(clients: &Clients, who: Who, op: Op) -> usize {
    let room_id = clients.room_id;
    match (who, op) {
        (Who::Sdk, Op::Create) => sdk_create(&clients.sdk, room_id).await,
        (Who::Sdk, Op::Refresh) => {
            sdk_refresh(&clients.sdk, room_id, clients.refresh_token.clone()).await
        }
        (Who::Floor, Op::Create) => clients.floor.create(room_id).await,
        (Who::Floor, Op::Refresh) => {
            let refresh_token = clients.refresh_token.clone();
            clients.floor.refresh(room_id, &refresh_token).await
        }
        (Who::Lean, Op::Create) => clients.lean.create(room_id).await,
        (Who::Lean, Op::Refresh) => {
            let refresh_token = clients.refresh_token.clone();
            clients.lean.refresh(room_id, &refresh_token).await
        }
    }
}

/// Makes `calls` calls with `in_flight` at a time; returns (CPU, wall).
async fn round(
    clients: &Arc<Clients>,
    who: Who,
    op: Op,
    calls: usize,
    in_flight: usize,
) -> (Duration, Duration) {
    let cpu_before = process_cpu();
    let started = Instant::now();
    let per_task = calls / in_flight;
    let mut tasks = Vec::with_capacity(in_flight);
    for _ in 0..in_flight {
        let clients = clients.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_task {
                std::hint::black_box(one_call(&clients, who, op).await);
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    (process_cpu() - cpu_before, started.elapsed())
}

struct Tally {
    cpu: Duration,
    wall: Duration,
    calls: usize,
}

impl Tally {
    fn cpu_us_per_call(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e6 / self.calls as f64
    }

    fn calls_per_sec(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

async fn measure(clients: Arc<Clients>) {
    let calls = env_usize("BENCH_CALLS", 3200);
    let rounds = env_usize("BENCH_ROUNDS", 8);
    println!("| operation | in flight | client | CPU µs/call | calls/s | SDK CPU ÷ this |");
    println!("|---|---|---|---|---|---|");
    for (op, op_name) in [(Op::Create, "create"), (Op::Refresh, "refresh")] {
        for in_flight in [1usize, 32] {
            // Warm up all three: connections, allocator, caches.
            for who in Who::ALL {
                round(&clients, who, op, 640, in_flight).await;
            }
            let mut tallies = Who::ALL.map(|_| Tally {
                cpu: Duration::ZERO,
                wall: Duration::ZERO,
                calls: 0,
            });
            for index in 0..rounds {
                // Rotate who goes first, so drift in machine load falls on all.
                for offset in 0..Who::ALL.len() {
                    let slot = (index + offset) % Who::ALL.len();
                    let (cpu, wall) = round(&clients, Who::ALL[slot], op, calls, in_flight).await;
                    let tally = &mut tallies[slot];
                    tally.cpu += cpu;
                    tally.wall += wall;
                    tally.calls += calls / in_flight * in_flight;
                }
            }
            let sdk = tallies[0].cpu_us_per_call();
            for (who, tally) in Who::ALL.iter().zip(&tallies) {
                let ratio = sdk / tally.cpu_us_per_call();
                println!(
                    "| {op_name} | {in_flight} | {} | {:.1} | {:.0} | {ratio:.3} |",
                    who.label(),
                    tally.cpu_us_per_call(),
                    tally.calls_per_sec()
                );
            }
        }
    }
}

/// `BENCH_PROFILE=<sdk|floor|lean>:<create|refresh>:<calls>[:<in flight>]`: only that many calls of
/// one kind (one at a time unless told), for instruction counting (`valgrind --tool=callgrind`;
/// run two call counts and divide the difference, so start-up cancels out).
async fn profile(clients: Arc<Clients>, spec: &str) {
    let parts: Vec<&str> = spec.split(':').collect();
    let who = parts
        .first()
        .and_then(|name| Who::parse(name))
        .unwrap_or(Who::Sdk);
    let op = if parts.get(1) == Some(&"refresh") {
        Op::Refresh
    } else {
        Op::Create
    };
    let calls = parts
        .get(2)
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(1000);
    let in_flight = parts
        .get(3)
        .and_then(|in_flight| in_flight.parse().ok())
        .unwrap_or(1);
    round(&clients, who, op, calls, in_flight).await;
}

/// The `cargo test` run: a few calls of each kind, and all clients must agree.
async fn smoke(clients: Arc<Clients>) {
    for op in [Op::Create, Op::Refresh] {
        let sdk = one_call(&clients, Who::Sdk, op).await;
        for who in Who::ALL {
            assert_eq!(
                one_call(&clients, who, op).await,
                sdk,
                "every client reads the same token length"
            );
            round(&clients, who, op, 64, 32).await;
        }
    }
    println!("facade_vs_reqwest: smoke run passed (use `cargo bench` for figures)");
}

fn main() {
    if std::env::var(ROLE_ENV).as_deref() == Ok("server") {
        serve();
        return;
    }
    // The floor's plain reqwest client needs a process-wide rustls provider when reqwest is built
    // with `rustls-no-provider` (as this crate's default feature does); the SDK does not.
    telnyx_rooms_testkit::tls::install_crypto_provider();
    let benching = std::env::args().any(|arg| arg == "--bench");
    let server = Server::start();
    if let Ok(kind) = std::env::var("BENCH_COLD") {
        std::hint::black_box(cold_start::cold_start(&kind, &server.base_url));
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    runtime.block_on(async {
        let sdk = Client::builder()
            .api_key(API_KEY)
            .base_url(&server.base_url)
            .retry_policy(RetryPolicy::default())
            .build()
            .expect("sdk client");
        let clients = Arc::new(Clients {
            sdk,
            floor: Floor::new(&server.base_url),
            lean: Lean::new(&server.base_url),
            room_id: ROOM_ID.parse().expect("uuid"),
            refresh_token: REFRESH_TOKEN.to_owned(),
        });
        if let Ok(spec) = std::env::var("BENCH_PROFILE") {
            profile(clients, &spec).await;
        } else if benching {
            measure(clients).await;
        } else {
            smoke(clients).await;
        }
    });
    drop(server);
}
