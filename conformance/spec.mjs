// The vendored spec with the project's overlays applied, as Prism should see it.
//
// The overlays (openapi/overlays/*.yaml, OpenAPI Overlay 1.0) correct upstream defects before
// code generation (`cargo xtask codegen` applies them the same way). This applies the subset of
// Overlay 1.0 they use: `update` on targets written as `$.a.b['c'].d`. Any other target or action
// is refused, so a new overlay cannot be silently skipped here.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

function segments(target) {
  if (!target.startsWith('$')) throw new Error(`overlay target ${target}: not a JSONPath`);
  const parts = [];
  const pattern = /\.([A-Za-z0-9_-]+)|\['([^']+)'\]/y;
  pattern.lastIndex = 1;
  while (pattern.lastIndex < target.length) {
    const at = pattern.lastIndex;
    const match = pattern.exec(target);
    if (!match || match.index !== at) {
      throw new Error(`overlay target ${target}: only .name and ['name'] segments are supported`);
    }
    parts.push(match[1] ?? match[2]);
  }
  return parts;
}

function merge(into, update) {
  for (const [key, value] of Object.entries(update)) {
    const current = into[key];
    if (Array.isArray(current) && Array.isArray(value)) {
      into[key] = current.concat(value);
    } else if (isObject(current) && isObject(value)) {
      merge(current, value);
    } else {
      into[key] = structuredClone(value);
    }
  }
}

const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The document at `openapiDir`/video-rooms.yaml with every overlay applied, in name order. */
export function overlaidSpec(openapiDir) {
  const doc = parse(readFileSync(join(openapiDir, 'video-rooms.yaml'), 'utf8'));
  const dir = join(openapiDir, 'overlays');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort()) {
    const overlay = parse(readFileSync(join(dir, name), 'utf8'));
    for (const action of overlay.actions ?? []) {
      if (action.remove || !isObject(action.update)) {
        throw new Error(`${name}: only \`update\` actions with an object are supported`);
      }
      let node = doc;
      for (const key of segments(action.target)) {
        node = node?.[key];
      }
      if (!isObject(node)) throw new Error(`${name}: target ${action.target} matches no object`);
      merge(node, action.update);
    }
  }
  return doc;
}
