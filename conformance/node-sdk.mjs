// Telnyx's official Node SDK (npm `telnyx`, pinned in package-lock.json) as a client of the mock.
//
// Run by crates/telnyx-rooms-mock/tests/it/node_sdk.rs, which starts the mock and passes in the
// environment its base URL (TELNYX_BASE_URL), its own address for the mock-only control endpoint
// (MOCK_URL), an accepted API key and the demo room's id; it checks what this prints (one JSON
// object on standard output) against the mock's own records. conformance/prism.mjs runs it too,
// with TELNYX_BASE_URL pointing at Prism, so the SDK's traffic is validated against the spec.
//
// Two parts: the client-token operations (create, refresh without a key, the typed errors), and
// the rooms lifecycle: create, list across pages, filter, update, a token for the room, a
// simulated participant joining (through the control endpoint, which no SDK has), the session
// and participant operations, mute, unmute, kick and end, delete, and 404 after it; then the
// recordings and compositions nothing in the mock makes.
import Telnyx from 'telnyx';

const baseURL = process.env.TELNYX_BASE_URL;
const mockURL = process.env.MOCK_URL;
const apiKey = process.env.TELNYX_API_KEY;
const room = process.env.ROOM_ID;
if (!baseURL || !mockURL || !apiKey || !room) {
  console.error('node-sdk.mjs: set TELNYX_BASE_URL, MOCK_URL, TELNYX_API_KEY and ROOM_ID');
  process.exit(2);
}

// No retries: every status the mock answers reaches this script as it was sent.
const withKey = new Telnyx({ apiKey, baseURL, maxRetries: 0 });
const withoutKey = new Telnyx({ apiKey: null, baseURL, maxRetries: 0 });

/** The SDK's error as data: its class, status and the first Telnyx error code. */
async function failure(call) {
  try {
    const response = await call();
    return { unexpected_success: response ?? null };
  } catch (error) {
    return {
      class: error.constructor.name,
      status: error.status ?? null,
      code: error.error?.errors?.[0]?.code ?? null,
      pointer: error.error?.errors?.[0]?.source?.pointer ?? null,
    };
  }
}

/** A request to the mock's control endpoint (mock-only, not part of Telnyx's API). */
async function control(method, path, body) {
  const response = await fetch(`${mockURL}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function tokens() {
  const created = await withKey.rooms.actions.generateJoinClientToken(room, {
    token_ttl_secs: 600,
    refresh_token_ttl_secs: 3600,
  });
  const refreshed = await withoutKey.rooms.actions.refreshClientToken(room, {
    refresh_token: created.data.refresh_token,
    token_ttl_secs: 120,
  });
  const unauthorized = await failure(() => withoutKey.rooms.actions.generateJoinClientToken(room, {}));
  const outOfBounds = await failure(() =>
    withKey.rooms.actions.generateJoinClientToken(room, { token_ttl_secs: 3601 }),
  );
  return { created: created.data, refreshed: refreshed.data, unauthorized, out_of_bounds: outOfBounds };
}

/** Five rooms, then every room two to a page: page by page, and item by item. */
async function roomsAndPages() {
  const names = ['sdk-a', 'sdk-b', 'sdk-c', 'sdk-d', 'sdk-e'];
  const created = [];
  for (const unique_name of names) {
    created.push((await withKey.rooms.create({ unique_name, max_participants: 4 })).data);
  }
  const pages = [];
  let page = await withKey.rooms.list({ 'page[size]': 2 });
  pages.push({ meta: page.meta, names: page.data.map((r) => r.unique_name) });
  while (page.hasNextPage()) {
    page = await page.getNextPage();
    pages.push({ meta: page.meta, names: page.data.map((r) => r.unique_name) });
  }
  const everyRoom = [];
  for await (const each of withKey.rooms.list({ 'page[size]': 2 })) everyRoom.push(each.unique_name);
  const filtered = await withKey.rooms.list({ filter: { unique_name: 'sdk-c' }, 'page[size]': 2 });
  // Over the mock's 64 KiB body cap: a 413, which the spec does not document (Prism must say so).
  const oversized = await failure(() => withKey.rooms.create({ unique_name: 'x'.repeat(70 * 1024) }));
  return {
    created,
    pages,
    every_room: everyRoom,
    filtered: { meta: filtered.meta, names: filtered.data.map((r) => r.unique_name) },
    oversized,
  };
}

/** One room's life: update, token, two joins, the session operations, actions, delete. */
async function lifecycle(id) {
  const updated = (await withKey.rooms.update(id, { max_participants: 3 })).data;
  const token = (await withKey.rooms.actions.generateJoinClientToken(id, { token_ttl_secs: 60 })).data;
  const alice = await control('POST', `/_mock/rooms/${id}/join`, { context: 'Alice' });
  const bob = await control('POST', `/_mock/rooms/${id}/join`, { context: 'Bob' });
  const session = alice.data.session_id;
  const viewedRoom = (await withKey.rooms.retrieve(id, { include_sessions: true })).data;
  const allSessions = await withKey.rooms.sessions.list0({ filter: { room_id: id, active: true } });
  const roomSessions = await withKey.rooms.sessions.list1(id);
  const viewedSession = (await withKey.rooms.sessions.retrieve(session, { include_participants: true })).data;
  const inSession = await withKey.rooms.sessions.retrieveParticipants(session, { filter: { context: 'Bob' } });
  const everywhere = await withKey.roomParticipants.list({ filter: { session_id: session } });
  const participant = (await withKey.roomParticipants.retrieve(alice.data.id)).data;

  const actions = {};
  actions.mute = (await withKey.rooms.sessions.actions.mute(session, { participants: 'all' })).data;
  actions.muted = (await control('GET', `/_mock/room_participants/${bob.data.id}`)).mock;
  actions.unmute = (await withKey.rooms.sessions.actions.unmute(session, { participants: [bob.data.id] })).data;
  actions.unmuted = (await control('GET', `/_mock/room_participants/${bob.data.id}`)).mock;
  actions.kick = (await withKey.rooms.sessions.actions.kick(session, { participants: [bob.data.id] })).data;
  actions.kicked = (await withKey.roomParticipants.retrieve(bob.data.id)).data;
  actions.end = (await withKey.rooms.sessions.actions.end(session)).data;
  actions.ended = (await withKey.rooms.sessions.retrieve(session)).data;

  await withKey.rooms.delete(id);
  const afterDelete = {
    view: await failure(() => withKey.rooms.retrieve(id)),
    token: await failure(() => withKey.rooms.actions.generateJoinClientToken(id, {})),
    session: await failure(() => withKey.rooms.sessions.retrieve(session)),
  };
  return {
    updated,
    token,
    joined: [alice, bob],
    viewed_room: viewedRoom,
    all_sessions: allSessions.data.map((s) => s.id),
    room_sessions: roomSessions.data.map((s) => s.id),
    viewed_session: viewedSession,
    in_session: inSession.data.map((p) => p.id),
    everywhere: { total: everywhere.meta.total_results, ids: everywhere.data.map((p) => p.id) },
    participant,
    actions,
    after_delete: afterDelete,
  };
}

/** Recordings and compositions: nothing records in the mock, so empty lists, 404s and a 422. */
async function archives(session) {
  const unknown = '7b61621f-62e0-4aad-ab11-9fd19e272e73';
  const recordings = await withKey.roomRecordings.list({ filter: { session_id: session }, 'page[size]': 5 });
  const compositions = await withKey.roomCompositions.list({ filter: { status: 'completed' } });
  return {
    recordings: { data: recordings.data, meta: recordings.meta },
    compositions: { data: compositions.data, meta: compositions.meta },
    recording: await failure(() => withKey.roomRecordings.retrieve(unknown)),
    recording_deleted: await failure(() => withKey.roomRecordings.delete(unknown)),
    composition: await failure(() => withKey.roomCompositions.retrieve(unknown)),
    composition_deleted: await failure(() => withKey.roomCompositions.delete(unknown)),
    compose: await failure(() => withKey.roomCompositions.create({ session_id: session })),
    bulk_delete: (await withKey.roomRecordings.deleteBulk({ filter: { room_id: room } })).data,
  };
}

const seen = { ...(await tokens()) };
const rooms = await roomsAndPages();
seen.rooms = rooms;
seen.lifecycle = await lifecycle(rooms.created[2].id);
seen.archives = await archives(seen.lifecycle.joined[0].data.session_id);
console.log(JSON.stringify(seen));
