import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { sha256Hex } from '../source/canonical-json.js';
import type { Origin } from '../source/span.js';
import { credentialKind, isCredentialEnvName } from './credentials.js';
import { originSpan } from './origin.js';
import { formatPath, parsePath, type Segment } from './path.js';
import type { PMap, PNode } from './ptree.js';

/** What a redacted value reads as in FLOWC_CONFIG, artifacts, lockfiles and `flowc config`. */
export const REDACTED = '<redacted>';

/** A config leaf flowc keeps out of everything it writes (SPEC section 8; docs/security.md). */
export interface TaintedLeaf {
  segments: Segment[];
  /** Path inside its config, as provenance writes it: `hf.token`. */
  path: string;
  /** `schema`: marked `secret: true` in the config schema; `env`: read from a credential env name. */
  reason: 'schema' | 'env';
  /** The env variable, for `env` (and for a value derived from one). */
  envName?: string;
  /** Where the value was set (for `${env:...}`, where that string stands). */
  origin: Origin;
  /**
   * SHA-256 (hex) of `flowc-redacted-v1 NUL <config> NUL <path> NUL <JSON value>`: shows that a
   * value changed between two lockfiles without keeping it. Unsalted so lockfiles stay
   * byte-identical across machines; the prefix and path keep one value's hash from matching
   * another's or a generic table (docs/decisions.md, "Secrets").
   */
  sha256: string;
}

export interface TaintRequest {
  config: string;
  root: PMap;
  /** JSON pointers the config schema marks `secret: true` (ajv's instancePath). */
  schemaSecrets: readonly string[];
  diagnostics: DiagnosticBag;
}

/**
 * Finds the leaves of one resolved config that must never be written anywhere, replaces their
 * values (and the values they overrode) with REDACTED in place, and warns about credentials in
 * plain config values: FLOWC427 for a credential env name read by `${env:...}`, FLOWC425 for a
 * literal that looks like a credential. A value interpolated from a tainted one is tainted too.
 */
export function taintConfig(req: TaintRequest): TaintedLeaf[] {
  const marked = req.schemaSecrets.map(pointerTokens);
  const leaves: { segments: Segment[]; node: PNode }[] = [];
  collectLeaves(req.root, [], leaves);
  const tainted = new Map<PNode, Omit<TaintedLeaf, 'sha256'>>();
  const direct = new Set<PNode>();
  for (const { segments, node } of leaves) {
    const path = formatPath(segments);
    if (marked.some((m) => isPrefix(m, segments.map(String)))) {
      tainted.set(node, { segments, path, reason: 'schema', origin: node.origin });
      continue;
    }
    const env = credentialEnv(node);
    if (env !== undefined) {
      tainted.set(node, { segments, path, reason: 'env', envName: env, origin: node.origin });
      direct.add(node);
    }
  }
  // Values read from a tainted value are tainted. Each round is linear in the references (set
  // lookups by path), and rounds are bounded by the reference depth limit, as chains are.
  const index = new TaintIndex();
  const byKey = new Map<string, Omit<TaintedLeaf, 'sha256'>>();
  for (const t of tainted.values()) byKey.set(index.add(t.segments), t);
  const readers = leaves
    .filter(({ node }) => !tainted.has(node) && node.interpolated)
    .map((l) => ({ ...l, refs: (l.node.interpolated?.sources ?? []).map((s) => refSegments(s.ref)).filter((r): r is string[] => r !== undefined) }));
  for (let changed = true; changed; ) {
    changed = false;
    for (const { segments, node, refs } of readers) {
      if (tainted.has(node)) continue;
      const hit = refs.map((r) => index.find(r)).find((x) => x !== undefined);
      if (hit === undefined) continue;
      const entry = { ...(byKey.get(hit) as Omit<TaintedLeaf, 'sha256'>), segments, path: formatPath(segments), origin: node.origin };
      tainted.set(node, entry);
      byKey.set(index.add(segments), entry);
      changed = true;
    }
  }
  const out: TaintedLeaf[] = [];
  for (const { segments, node } of leaves) {
    const t = tainted.get(node);
    if (t === undefined) {
      warnLiteral(req, node, segments);
      continue;
    }
    if (direct.has(node)) {
      req.diagnostics.report(
        'FLOWC427',
        `config ${req.config}.${t.path} is read from environment variable ${t.envName}, which looks like a credential: flowc keeps it out of FLOWC_CONFIG, artifacts and lockfiles`,
        originSpan(node.origin),
        ['to give a credential to a step, declare it in the flow\'s secrets: and use it as a whole env value: env: { NAME: "${secrets.NAME}" }'],
      );
    }
    const value = node.kind === 'scalar' ? node.value : null;
    out.push({ ...t, sha256: sha256Hex(`flowc-redacted-v1\u0000${req.config}\u0000${t.path}\u0000${JSON.stringify(value)}`) });
    if (node.kind === 'scalar') node.value = REDACTED;
    node.overrode = node.overrode.map((o) => ({ ...o, value: REDACTED }));
  }
  return out;
}

/** The credential env variable a leaf's value came from, directly or through `${env:...}`. */
function credentialEnv(node: PNode): string | undefined {
  if (node.origin.kind === 'env' && isCredentialEnvName(node.origin.name)) return node.origin.name;
  for (const s of node.interpolated?.sources ?? []) {
    if (!s.defaulted && s.origin.kind === 'env' && isCredentialEnvName(s.origin.name)) return s.origin.name;
  }
  return undefined;
}

function warnLiteral(req: TaintRequest, node: PNode, segments: Segment[]): void {
  if (node.kind !== 'scalar' || typeof node.value !== 'string') return;
  const kind = credentialKind(node.value);
  const span = originSpan(node.origin);
  if (kind === undefined || span === undefined) return;
  req.diagnostics.report('FLOWC425', `config ${req.config}.${formatPath(segments)} looks like ${kind}: a credential in a config file is copied into FLOWC_CONFIG, artifacts and lockfiles`, span, [
    'keep credentials out of config files: declare them in the flow\'s secrets: (the engine injects them at task start), or mark the value secret: true in the config schema',
  ]);
}

function collectLeaves(node: PNode, segments: Segment[], out: { segments: Segment[]; node: PNode }[]): void {
  if (node.kind === 'scalar') {
    if (segments.length > 0) out.push({ segments, node });
  } else if (node.kind === 'seq') node.items.forEach((c, i) => collectLeaves(c, [...segments, i], out));
  else for (const [k, c] of node.entries) collectLeaves(c, [...segments, k], out);
}

/** The path a `${ref}` reads inside the same config, as strings; undefined for `${env:...}`. */
function refSegments(ref: string): string[] | undefined {
  if (ref.startsWith('env:')) return undefined;
  const parsed = parsePath(ref);
  return parsed.ok ? parsed.segments.map(String) : undefined;
}

const key = (segments: readonly string[]): string => JSON.stringify(segments);

/**
 * Tainted paths, found by set lookups: a reference reads a tainted value when one of its prefixes
 * is tainted (it reads inside it) or it is a prefix of a tainted path (it reads a map holding it).
 */
class TaintIndex {
  private readonly exact = new Set<string>();
  /** Every proper prefix of a tainted path, mapped to one tainted path under it. */
  private readonly above = new Map<string, string>();

  /** Adds a tainted path; returns its key. */
  add(segments: readonly Segment[]): string {
    const s = segments.map(String);
    const k = key(s);
    this.exact.add(k);
    for (let i = 0; i < s.length; i++) if (!this.above.has(key(s.slice(0, i)))) this.above.set(key(s.slice(0, i)), k);
    return k;
  }

  /** The key of a tainted path `ref` touches, or undefined. */
  find(ref: readonly string[]): string | undefined {
    for (let i = 1; i <= ref.length; i++) {
      const k = key(ref.slice(0, i));
      if (this.exact.has(k)) return k;
    }
    return this.above.get(key(ref));
  }
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  return prefix.length <= of.length && prefix.every((p, i) => p === of[i]);
}

function pointerTokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Whether a flow reference's path touches a tainted leaf (reads it, or a map that holds it). */
export function touchesTainted(path: readonly Segment[], tainted: readonly TaintedLeaf[]): TaintedLeaf | undefined {
  const a = path.map(String);
  return tainted.find((t) => {
    const b = t.segments.map(String);
    return isPrefix(a, b) || isPrefix(b, a);
  });
}
