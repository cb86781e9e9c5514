// Stoplight Prism (pinned in package-lock.json) in proxy mode between the project's clients and
// its mock: every request the CLI, the facade, the keeper and Telnyx's Node SDK send, and every
// response the mock returns, is validated against the vendored spec with the project's overlays.
// A violation fails the run, except the ones listed in ALLOWED, each with its reason. Needs cargo
// (the overlays are applied by `cargo xtask spec overlaid`, see spec.mjs).
//
//   node conformance/prism.mjs target/debug
//
// The argument is the cargo output directory holding `telnyx-rooms` and `examples/`. Everything
// listens on 127.0.0.1; nothing else is contacted.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { overlaidSpec } from './spec.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = resolve(process.argv[2] ?? join(here, '..', 'target', 'debug'));
const ROOM = '0ccc7b54-4df3-4bca-a65a-3da1ecc777f0';
const API_KEY = 'KEY_PRISM_CONFORMANCE';
const STARTUP_LIMIT_MS = 180_000;

// Violations that are expected, only in the step named, with the reason.
const ALLOWED = [
  {
    step: 'node-sdk',
    violation: 'request Invalid security scheme used',
    reason: 'the step sends a create without an API key on purpose, to see the 401',
  },
  {
    step: 'node-sdk',
    violation: 'request.body.token_ttl_secs Request body property token_ttl_secs must be <= 3600',
    reason: 'the step sends token_ttl_secs 3601 on purpose, to see the 422',
  },
  {
    step: 'node-sdk',
    violation:
      'response Unable to match the returned status code with those defined in the document: 201,400,401,422',
    reason:
      'the step creates a room with a 70 KiB body on purpose: the mock answers 413, which the spec does not document (proof that Prism checks responses)',
  },
];
// The 401 and 422 answers themselves are no violation: openapi/overlays/04-undocumented-error-statuses.yaml
// documents them (with the errors envelope, which Prism checks the mock's bodies against).

function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Starts `command` and resolves with the child once a line of its output matches `ready`. */
function startUntil(command, args, ready, env = {}) {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.output = [];
  return new Promise((done, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`${command} not ready after ${STARTUP_LIMIT_MS} ms:\n${child.output.join('\n')}`)),
      STARTUP_LIMIT_MS,
    );
    let pending = '';
    const onData = (chunk) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        // Prism colours its log on a terminal; strip escapes so lines compare as text.
        const text = line.replace(/\x1b\[[0-9;]*m/g, '');
        child.output.push(text);
        const match = text.match(ready);
        if (match) {
          clearTimeout(timer);
          done({ child, match });
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`${command} exited (${code}):\n${child.output.join('\n')}`)));
  });
}

/** Runs a client to completion; fails on a non-zero exit. */
function run(step, command, args, env, stdin = '') {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('error', fail);
    child.stdin.end(stdin);
    child.once('exit', (code) =>
      code === 0 ? done(stdout) : fail(new Error(`${step}: ${command} exited ${code}\n${stderr}`)),
    );
  });
}

/**
 * Every command of the CLI that calls the API, once, in JSON: tokens, then a room's life. The
 * join is the mock's own control endpoint (in no spec), so it goes straight to the mock.
 */
async function cliCommands(env, mockOrigin) {
  const cli = async (args, stdin) =>
    run('cli', join(bin, 'telnyx-rooms'), [...args, '--format', 'json'], env, stdin);
  const created = await cli(['token', 'create', ROOM, '--token-ttl', '10m']);
  await cli(['token', 'refresh', ROOM, '--token-ttl', '2m'], created);
  const settings = ['--max-participants', '5', '--enable-recording', 'false', '--webhook-timeout', '5s'];
  const room = JSON.parse(await cli(['rooms', 'create', '--unique-name', 'prism-cli', ...settings])).id;
  await cli(['rooms', 'list', '--all', '--page-size', '1', '--created', '2000-01-01..', '--include-sessions']);
  await cli(['rooms', 'list', '--unique-name', 'prism-cli', '--updated', '..2999-12-31']);
  await cli(['rooms', 'get', room, '--include-sessions']);
  await cli(['rooms', 'update', room, '--max-participants', '6', '--webhook-event-url', 'https://example.com/hook']);
  const response = await fetch(`${mockOrigin}/_mock/rooms/${room}/join`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.TELNYX_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ context: 'Prism' }),
  });
  if (response.status !== 201) throw new Error(`cli: the join answered ${response.status}`);
  const { data: participant } = await response.json();
  const session = participant.session_id;
  await cli(['sessions', 'list', '--room', room, '--active', 'true', '--include-participants']);
  await cli(['sessions', 'list', '--created', '2000-01-01..2999-12-31']);
  await cli(['sessions', 'get', session, '--include-participants']);
  await cli(['participants', 'list', '--session', session, '--joined', '2000-01-01..']);
  await cli(['participants', 'list', '--context', 'Prism']);
  await cli(['participants', 'get', participant.id]);
  await cli(['sessions', 'mute', session, '--exclude', participant.id]);
  await cli(['sessions', 'unmute', session, '--participant', participant.id]);
  await cli(['sessions', 'kick', session, '--participant', participant.id]);
  await cli(['sessions', 'end', session]);
  await cli(['rooms', 'delete', room]);
}

const work = mkdtempSync(join(tmpdir(), 'telnyx-rooms-prism-'));
const children = [];
let failed = false;
try {
  const specPath = join(work, 'openapi.json');
  writeFileSync(specPath, JSON.stringify(overlaidSpec(join(here, '..'))));

  const mock = await startUntil(
    join(bin, 'telnyx-rooms'),
    ['mock', 'serve', '--addr', '127.0.0.1:0', '--format', 'env'],
    /^TELNYX_BASE_URL=(\S+)$/,
  );
  children.push(mock.child);
  const mockUrl = mock.match[1];

  const port = await freePort();
  const prismBin = join(here, 'node_modules', '.bin', 'prism');
  const prism = await startUntil(
    prismBin,
    ['proxy', specPath, mockUrl, '--host', '127.0.0.1', '--port', String(port)],
    /Prism is listening/,
  );
  children.push(prism.child);
  const log = prism.child.output;
  // Prism serves the spec's paths at its root: the spec's server URL (`…/v2`) is not part of them.
  const prismUrl = `http://127.0.0.1:${port}`;
  const env = { TELNYX_BASE_URL: prismUrl, TELNYX_API_KEY: API_KEY, TELNYX_MOCK_SEED: '' };

  const steps = [
    ['cli', () => cliCommands(env, new URL(mockUrl).origin)],
    ['facade', () => run('facade', join(bin, 'examples', 'create_and_refresh'), ['--telnyx', ROOM, '60'], env)],
    ['keeper', () => run('keeper', join(bin, 'examples', 'keep_one'), ['--telnyx', ROOM, '8'], env)],
    // The control endpoint (joins) is the mock's own, in no spec: the SDK's traffic goes through
    // Prism, the script's joins straight to the mock.
    [
      'node-sdk',
      () =>
        run('node-sdk', 'node', [join(here, 'node-sdk.mjs')], {
          ...env,
          ROOM_ID: ROOM,
          MOCK_URL: new URL(mockUrl).origin,
        }),
    ],
  ];

  const report = [];
  for (const [step, action] of steps) {
    const from = log.length;
    await action();
    // Prism logs a request's validation as it forwards it; give the last lines a moment.
    await new Promise((r) => setTimeout(r, 500));
    const lines = log.slice(from);
    const forwarded = lines.filter((l) => l.includes('Forwarding')).length;
    const violations = lines
      .map((l) => l.match(/Violation: (.*)$/))
      .filter(Boolean)
      .map((m) => m[1].trim());
    report.push({ step, forwarded, violations });
  }

  for (const { step, forwarded, violations } of report) {
    console.log(`prism: ${step}: ${forwarded} requests forwarded and validated`);
    if (forwarded === 0) {
      console.error(`prism: ${step}: no request went through Prism`);
      failed = true;
    }
    for (const violation of violations) {
      const allowed = ALLOWED.find((a) => a.step === step && a.violation === violation);
      if (allowed) {
        console.log(`prism: ${step}: allowed violation: ${violation}\n        reason: ${allowed.reason}`);
      } else {
        console.error(`prism: ${step}: VIOLATION: ${violation}`);
        failed = true;
      }
    }
  }
  // The allowed violations must have been seen: proof that Prism validated at all.
  for (const allowed of ALLOWED) {
    const seen = report.some((r) => r.step === allowed.step && r.violations.includes(allowed.violation));
    if (!seen) {
      console.error(`prism: expected violation not reported (is Prism validating?): ${allowed.violation}`);
      failed = true;
    }
  }
} catch (error) {
  console.error(`prism: ${error.message}`);
  failed = true;
} finally {
  for (const child of children) child.kill();
  rmSync(work, { recursive: true, force: true });
}
if (failed) {
  console.error('prism: conformance FAILED');
  process.exit(1);
}
console.log('prism: every request and response conforms to the spec (allowed exceptions above)');
