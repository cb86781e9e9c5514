// The vendored spec with the project's overlays applied, as Prism should see it.
//
// The overlays (openapi/overlays/*.yaml, OpenAPI Overlay 1.0) correct upstream defects before
// code generation. They are applied by the same code that applies them for generation,
// `cargo xtask spec overlaid` (OpenAPI 3.1 as vendored, nothing converted), so Prism and the
// generated client can never see two different corrections.
import { execFileSync } from 'node:child_process';

/** The document at `root`/openapi/video-rooms.yaml with every overlay applied, in name order. */
export function overlaidSpec(root) {
  const text = execFileSync('cargo', ['xtask', 'spec', 'overlaid'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(text);
}
