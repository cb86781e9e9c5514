//! Cold start: build a client and make one create, in a fresh process, for each kind of client.
//! `BENCH_COLD=<none|sdk|blocking|floor|lean>`; `none` starts the loopback server only, so that
//! a client's own cost is its process total minus `none`'s (see BENCHMARKS.md).

use std::time::Duration;

use telnyx_rooms::Uuid;

use crate::floors::{Floor, Lean};
use crate::{API_KEY, ROOM_ID};

/// Builds one client of `kind` and makes one create against `base_url`; returns the token's
/// length (0 for `none`). Not inlined, so that a profile can name it.
#[inline(never)]
pub fn cold_start(kind: &str, base_url: &str) -> usize {
    let room_id: Uuid = ROOM_ID.parse().expect("uuid");
    let ttl = Duration::from_secs(600);
    match kind {
        "none" => return 0,
        "blocking" => {
            // No runtime of the caller's: the blocking client brings its own.
            let client = telnyx_rooms::blocking::Client::builder()
                .api_key(API_KEY)
                .base_url(base_url)
                .build()
                .expect("blocking client");
            let created = client
                .create_client_token(room_id)
                .token_ttl(ttl)
                .send()
                .expect("create");
            return created.token().expose().len();
        }
        _ => {}
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        match kind {
            "floor" => Floor::new(base_url).create(room_id).await,
            "lean" => Lean::new(base_url).create(room_id).await,
            _ => {
                assert_eq!(kind, "sdk", "BENCH_COLD=<none|sdk|blocking|floor|lean>");
                let client = telnyx_rooms::Client::builder()
                    .api_key(API_KEY)
                    .base_url(base_url)
                    .build()
                    .expect("sdk client");
                let created = client
                    .create_client_token(room_id)
                    .token_ttl(ttl)
                    .await
                    .expect("create");
                created.token().expose().len()
            }
        }
    })
}
