//! How a client token names the room it grants: `telnyx:video:rooms:<room id>`.
//!
//! Not in the OpenAPI document: the name is inside the token (its `resources` claim), where the
//! mock writes it and the CLI's `inspect` reads it.

use std::fmt::Display;

/// What a room's resource name starts with; the room id follows.
pub const ROOM_RESOURCE_PREFIX: &str = "telnyx:video:rooms:";

/// The resource name of room `room_id`.
///
/// ```
/// use telnyx_rooms_core::resource::{room_of_resource, room_resource};
///
/// let name = room_resource("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0");
/// assert_eq!(name, "telnyx:video:rooms:0ccc7b54-4df3-4bca-a65a-3da1ecc777f0");
/// assert_eq!(room_of_resource(&name), Some("0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"));
/// assert_eq!(room_of_resource("telnyx:video:recordings:1"), None);
/// ```
pub fn room_resource(room_id: impl Display) -> String {
    format!("{ROOM_RESOURCE_PREFIX}{room_id}")
}

/// The room id a resource name grants, if it names a room (the text after the prefix, not checked
/// to be a UUID).
pub fn room_of_resource(resource: &str) -> Option<&str> {
    resource.strip_prefix(ROOM_RESOURCE_PREFIX)
}
