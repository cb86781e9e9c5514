// Telnyx's official Node SDK (npm `telnyx`, pinned in package-lock.json) as a client of the mock.
//
// Run by crates/telnyx-rooms-mock/tests/it/node_sdk.rs, which starts the mock, passes its base URL,
// an accepted API key and a room id in the environment, and checks what this prints (one JSON
// object on standard output) against the mock's own records: tokens verify, the refresh carried
// no API key, errors are the ones the vendor's client maps to its typed errors.
import Telnyx from 'telnyx';

const baseURL = process.env.TELNYX_BASE_URL;
const apiKey = process.env.TELNYX_API_KEY;
const room = process.env.ROOM_ID;
if (!baseURL || !apiKey || !room) {
  console.error('node-sdk.mjs: set TELNYX_BASE_URL, TELNYX_API_KEY and ROOM_ID');
  process.exit(2);
}

// No retries: every status the mock answers reaches this script as it was sent.
const withKey = new Telnyx({ apiKey, baseURL, maxRetries: 0 });
const withoutKey = new Telnyx({ apiKey: null, baseURL, maxRetries: 0 });

/** The SDK's error as data: its class, status and the first Telnyx error code. */
async function failure(call) {
  try {
    const response = await call();
    return { unexpected_success: response };
  } catch (error) {
    return {
      class: error.constructor.name,
      status: error.status ?? null,
      code: error.error?.errors?.[0]?.code ?? null,
      pointer: error.error?.errors?.[0]?.source?.pointer ?? null,
    };
  }
}

const created = await withKey.rooms.actions.generateJoinClientToken(room, {
  token_ttl_secs: 600,
  refresh_token_ttl_secs: 3600,
});
const refreshed = await withoutKey.rooms.actions.refreshClientToken(room, {
  refresh_token: created.data.refresh_token,
  token_ttl_secs: 120,
});
const unauthorized = await failure(() =>
  withoutKey.rooms.actions.generateJoinClientToken(room, {}),
);
const outOfBounds = await failure(() =>
  withKey.rooms.actions.generateJoinClientToken(room, { token_ttl_secs: 3601 }),
);

console.log(
  JSON.stringify({
    created: created.data,
    refreshed: refreshed.data,
    unauthorized,
    out_of_bounds: outOfBounds,
  }),
);
