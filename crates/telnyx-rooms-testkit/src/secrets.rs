//! The room and secrets the suites send, then look for in every output (none may appear).

/// A room id every suite uses.
pub const ROOM: &str = "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0";
/// An API key, short enough that no "long token-like run" rule would hide it by accident.
pub const API_KEY: &str = "KEYlive_0123";
/// A JWT-shaped refresh token.
pub const REFRESH: &str = "eyJhbGciOiJFZERTQSJ9.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl";
/// A JWT-shaped client token.
pub const TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.eyJ0eXAiOiJhY2Nlc3MifQ.c2lnbmF0dXJl";
