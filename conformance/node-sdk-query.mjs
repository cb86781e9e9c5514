// Telnyx's official Node SDK (npm `telnyx`, pinned in package-lock.json) sending list requests with
// filters and pages, so their bytes can be compared with what the generated Rust client sends.
//
// Run by crates/telnyx-rooms-gen/tests/it/video.rs, which starts a recording server on loopback,
// passes its base URL and a room id in the environment, makes the same calls with the generated
// client, and compares the request lines. The calls here and there must stay the same, in order.
import Telnyx from 'telnyx';

const baseURL = process.env.TELNYX_BASE_URL;
const room = process.env.ROOM_ID;
if (!baseURL || !room) {
  console.error('node-sdk-query.mjs: set TELNYX_BASE_URL and ROOM_ID');
  process.exit(2);
}
const client = new Telnyx({ apiKey: 'KEY_NODE_SDK', baseURL, maxRetries: 0 });

// The keys in the order of the generated method's arguments (by wire name): the SDK writes them in
// the order given.
await client.rooms.list({ filter: { unique_name: 'x' }, 'page[size]': 2 });
await client.rooms.list({
  filter: { date_created_at: { gte: '2021-04-25' }, unique_name: 'my room/é&=+*~' },
  include_sessions: true,
  'page[number]': 3,
  'page[size]': 250,
});
await client.roomRecordings.list({ filter: { duration_secs: 20, room_id: room, status: 'completed' } });
await client.rooms.sessions.list1(room, { filter: { active: false }, include_participants: true });
await client.rooms.sessions.actions.end(room);
