//! Compile-time guarantees users rely on: the client and its values cross threads and tasks
//! (axum handlers, `tokio::spawn`), and errors box into `anyhow`/`Box<dyn Error>`.

use telnyx_rooms::retry::RetryPolicy;
use telnyx_rooms::{
    ApiErrorEntry, Client, ClientBuilder, CreatedToken, Error, RefreshedToken, Secret,
};

fn send_sync<T: Send + Sync + 'static>() {}
fn send_future<F: std::future::IntoFuture<IntoFuture: Send>>(_: F) {}

#[test]
fn public_types_are_send_sync_and_errors_are_std_errors() {
    send_sync::<Client>();
    send_sync::<ClientBuilder>();
    send_sync::<CreatedToken>();
    send_sync::<RefreshedToken>();
    send_sync::<Secret>();
    send_sync::<RetryPolicy>();
    send_sync::<ApiErrorEntry>();
    send_sync::<Error>();
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(
        Client::builder()
            .base_url("ftp://x")
            .build()
            .expect_err("bad scheme"),
    );
    assert!(boxed.to_string().contains("unsupported scheme"));
}

#[test]
fn call_futures_are_send() {
    let client = Client::builder().build().expect("client");
    send_future(client.create_client_token("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"));
    send_future(client.refresh_client_token("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0", "token"));
}
