//! The backend a video web app needs: it holds the Telnyx API key and hands browsers short-lived
//! room tokens.
//!
//! - `POST /rooms/{room_id}/token` mints a client token (and refresh token) for the room;
//! - `POST /rooms/{room_id}/token/refresh` with `{"refresh_token": "..."}` returns a new client token.
//!
//! ```text
//! cargo run -p telnyx-rooms --example token_service                                # the embedded mock
//! TELNYX_API_KEY=KEY... cargo run -p telnyx-rooms --example token_service -- --telnyx
//! curl -X POST http://127.0.0.1:3000/rooms/0ccc7b54-4df3-4bca-a65a-3da1ecc777f0/token
//! ```
//!
//! By default it starts the project's mock in-process and mints from it (no key or network
//! needed). Only `--telnyx` reaches Telnyx, configured from the environment as
//! `Client::from_env()` is (`TELNYX_BASE_URL=http://127.0.0.1:4010/v2` with it: a served mock);
//! `TOKEN_SERVICE_ADDR` changes the listening address (default `127.0.0.1:3000`).
//! A real service would authenticate its caller and check it may join the room first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use telnyx_rooms::chrono::{DateTime, Utc};
use telnyx_rooms::{Client, ErrorKind};

#[derive(Serialize)]
struct MintedToken {
    token: String,
    token_expires_at: DateTime<Utc>,
    refresh_token: String,
    refresh_token_expires_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct RefreshRequest {
    refresh_token: String,
}

#[derive(Serialize)]
struct RefreshedToken {
    token: String,
    token_expires_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct ErrorBody {
    error: String,
}

type Reply<T> = Result<Json<T>, (StatusCode, Json<ErrorBody>)>;

/// Maps an SDK error to this service's answer. Its text names no secret, so it can go back to
/// the caller as is. On refresh, a 403 means Telnyx rejected the caller's refresh token (expired,
/// or for another room); on mint it means this service's API key is wrong.
fn failure(error: telnyx_rooms::Error, refreshing: bool) -> (StatusCode, Json<ErrorBody>) {
    let status = match (error.kind(), error.status()) {
        (ErrorKind::InvalidRequest, _) => StatusCode::BAD_REQUEST,
        (ErrorKind::Api, Some(403)) if refreshing => StatusCode::UNAUTHORIZED,
        (ErrorKind::Api, Some(400 | 404 | 422)) => StatusCode::BAD_REQUEST,
        (ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport, _) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::BAD_GATEWAY,
    };
    eprintln!("token request failed: {error}");
    (
        status,
        Json(ErrorBody {
            error: error.to_string(),
        }),
    )
}

async fn mint(State(client): State<Client>, Path(room_id): Path<String>) -> Reply<MintedToken> {
    let created = client
        .create_client_token(room_id)
        .await
        .map_err(|error| failure(error, false))?;
    Ok(Json(MintedToken {
        token: created.token().expose().to_owned(),
        token_expires_at: created.expires_at(),
        refresh_token: created.refresh_token().expose().to_owned(),
        refresh_token_expires_at: created.refresh_token_expires_at(),
    }))
}

async fn refresh(
    State(client): State<Client>,
    Path(room_id): Path<String>,
    Json(request): Json<RefreshRequest>,
) -> Reply<RefreshedToken> {
    let refreshed = client
        .refresh_client_token(room_id, request.refresh_token)
        .await
        .map_err(|error| failure(error, true))?;
    Ok(Json(RefreshedToken {
        token: refreshed.token().expose().to_owned(),
        token_expires_at: refreshed.expires_at(),
    }))
}

fn router(client: Client) -> Router {
    Router::new()
        .route("/rooms/{room_id}/token", post(mint))
        .route("/rooms/{room_id}/token/refresh", post(refresh))
        .with_state(client)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Kept alive until the end of main: dropping it stops the mock.
    let mock = if std::env::args().any(|arg| arg == "--telnyx") {
        None
    } else {
        Some(telnyx_rooms_mock::start().await?)
    };
    let client = match &mock {
        Some(server) => Client::builder()
            .api_key("KEY_MOCK_DEMO")
            .base_url(server.base_url())
            .build()?,
        None => Client::from_env()?,
    };
    if !client.has_api_key() {
        anyhow::bail!("set TELNYX_API_KEY: minting tokens needs the API key");
    }
    let address = std::env::var("TOKEN_SERVICE_ADDR").unwrap_or_else(|_| "127.0.0.1:3000".into());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!(
        "token service on http://{} (Telnyx at {})",
        listener.local_addr()?,
        client.base_url()
    );
    axum::serve(listener, router(client))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
