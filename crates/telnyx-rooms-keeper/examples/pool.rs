//! Many participants' tokens kept fresh by one `KeeperPool`, against the embedded mock.
//!
//! ```text
//! cargo run --release -p telnyx-rooms-keeper --example pool -- [sessions] [seconds]
//! ```
//!
//! Adds `sessions` (default 1000) sessions with 10 s tokens, removes every tenth after a while, and
//! prints once a second how many hold a valid token and how many calls the mock has answered.

use std::time::Duration;

use telnyx_rooms::Client;
use telnyx_rooms_keeper::{KeeperPool, Ttls};
use uuid::Uuid;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sessions = args.first().copied().unwrap_or(1000) as usize;
    let seconds = args.get(1).copied().unwrap_or(30);

    let mock = telnyx_rooms_mock::MockServer::builder()
        .tokens_for_unknown_rooms(true)
        .start()
        .await?;
    let client = Client::builder()
        .api_key("mock-key")
        .base_url(mock.base_url())
        .build()?;
    let pool = KeeperPool::builder(client).max_in_flight(16).build();

    let ttls = Ttls::new().token_ttl(Duration::from_secs(10));
    let mut handles: Vec<_> = (0..sessions)
        .map(|_| pool.add_with(Uuid::new_v4(), ttls))
        .collect();

    for second in 1..=seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        if second == seconds / 2 {
            // Sessions leave at any time: dropping a handle removes its session.
            let mut index = 0;
            handles.retain(|_| {
                index += 1;
                index % 10 != 0
            });
        }
        let valid = handles.iter().filter(|s| s.current().is_some()).count();
        println!(
            "{second:>3} s: {valid}/{} sessions hold a valid token; pool keeps {}; mock answered {} calls",
            handles.len(),
            pool.len(),
            mock.request_count()
        );
    }
    pool.stop().await;
    Ok(())
}
