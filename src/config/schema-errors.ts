import type { ErrorObject } from 'ajv';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { Origin, Span } from '../source/span.js';
import { isCredentialEnvName } from './credentials.js';
import { originNotes, originSpan } from './origin.js';
import { formatPath, type Segment } from './path.js';
import { toJson, type PMap, type PNode } from './ptree.js';
import { unescapePointer } from './schema-walk.js';

export interface ErrorContext {
  /** The config's name, for messages. */
  name: string;
  schema: { span: Span };
  /** Where to point when an error's value has no location of its own. */
  fallbackSpan: Span;
}

export interface Problem {
  message: string;
  span?: Span;
  notes: string[];
}

/** What one ajv error says to the user, and where: the place that set the offending value. */
export function describeError(input: { error: ErrorObject; root: PMap; context: ErrorContext; hide?: (instancePath: string) => boolean }): Problem {
  const { error: err, root, context: options } = input;
  const { segments, node } = locate(root, err.instancePath);
  const notes: string[] = [];
  let target: PNode = node;
  let path = segments;
  let message = err.message ?? 'is invalid';
  if (err.keyword === 'additionalProperties') {
    const extra = String(err.params.additionalProperty);
    const child = node.kind === 'map' ? node.entries.get(extra) : undefined;
    if (child) {
      target = child;
      path = [...segments, extra];
    }
    message = 'is not allowed here (the schema does not declare it)';
    const declared = err.parentSchema?.properties;
    if (declared && typeof declared === 'object') notes.push(...suggestionNotes(extra, Object.keys(declared)));
  } else if (err.keyword === 'required') {
    message = `must have the key ${JSON.stringify(String(err.params.missingProperty))}`;
  } else if (err.keyword === 'enum' && Array.isArray(err.params.allowedValues)) {
    notes.push(`allowed: ${err.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`);
  }
  const where = formatPath([options.name, ...path]);
  // A value the schema marks secret, or read from a credential env name, is never printed (docs/security.md).
  const secret = input.hide?.(err.instancePath) === true || fromCredentialEnv(target);
  // Did-you-mean for an enum, except for a secret value (how close it is would say something about it).
  if (err.keyword === 'enum' && !secret && target.kind === 'scalar' && typeof target.value === 'string' && Array.isArray(err.params.allowedValues)) {
    notes.unshift(...suggestionNotes(target.value, err.params.allowedValues.filter((v: unknown): v is string => typeof v === 'string')));
  }
  const shown = err.keyword === 'required' || err.keyword === 'additionalProperties' || target.kind !== 'scalar' || secret ? '' : ` (it is ${JSON.stringify(toJson(target))})`;
  const span = spanFor(target.origin, options);
  notes.unshift(...originNotes(target.origin));
  if (target.origin.kind === 'schema-default') notes.unshift(`the value is the schema's own default (#${target.origin.pointer})`);
  return { message: `${where} ${message}${shown}`, span, notes };
}

function fromCredentialEnv(node: PNode): boolean {
  if (node.origin.kind === 'env' && isCredentialEnvName(node.origin.name)) return true;
  return (node.interpolated?.sources ?? []).some((s) => s.origin.kind === 'env' && isCredentialEnvName(s.origin.name));
}

/** The node an instance path reaches (the deepest that exists), and its path as segments. */
function locate(root: PMap, instancePath: string): { segments: Segment[]; node: PNode } {
  let node: PNode = root;
  const segments: Segment[] = [];
  for (const raw of instancePath.split('/').slice(1)) {
    const key = unescapePointer(raw);
    const next: PNode | undefined = node.kind === 'map' ? node.entries.get(key) : node.kind === 'seq' ? node.items[Number(key)] : undefined;
    if (next === undefined) break;
    segments.push(node.kind === 'seq' ? Number(key) : key);
    node = next;
  }
  return { segments, node };
}

function spanFor(origin: Origin, options: ErrorContext): Span | undefined {
  if (origin.kind === 'schema-default') return options.schema.span;
  // A binding's set: entry has its place in flowc.yaml; a --set argument has none.
  if (origin.kind === 'set') return origin.span;
  return originSpan(origin) ?? options.fallbackSpan;
}
