import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { WrittenStep, WrittenStepFields } from '../flow/ast.js';
import { formatScalar } from '../flow/resolve.js';
import type { ResolvedFlow } from '../flow/resolved.js';
import { runTimePartsOf } from '../flow/run-time-text.js';
import { secretRefOf } from '../flow/secret-ref.js';
import { parseTemplate } from '../flow/template.js';
import type { Span } from '../source/span.js';
import { type Json, type LNode, mapGet, toJson } from '../source/tree.js';
import { FLOWC_VERSION } from '../version.js';
import { type OriginOf, readForeach, readParameter, readResources, readRetry, readSchedule, readTimeout, type Reporter } from './read-fields.js';
import { stableTopologicalOrder } from './toposort.js';
import { IR_VERSION, type IR, type IREnvVar, type IROrigin, type IROutput, type IROutputType, type IRParameter, type IRPart, type IRSecret, type IRSecretEnv, type IRStep, type IRString } from './types.js';

export { DEFAULT_RESOURCES, DEFAULT_RETRY_BACKOFF, DEFAULT_RETRY_DELAY_SECONDS } from './read-fields.js';

export interface LowerRequest {
  /** The resolved (interpolated), shape-checked flow whose rules passed. */
  flow: ResolvedFlow;
  configs: Record<string, Json>;
  configHash: string;
  /** SHA-256 of the flow file's bytes. */
  sourceHash: string;
  /** Path relative to the flow file's folder, with `/` separators (IR origins never hold absolute paths). */
  relativize: (absPath: string) => string;
}

/**
 * Lowers a resolved flow whose rules passed (src/check) to the IR: applies `defaults`, normalises
 * units, expands shorthands, orders steps, and splits run-time text into typed parts. It reports
 * nothing: the rules already judged every value with the same readers (read-fields.ts), so a
 * problem here is a bug in flowc and throws.
 */
export function lowerToIR(req: LowerRequest): IR {
  const { flow } = req;
  const diagnostics = new DiagnosticBag();
  // Every origin of a flow is in its one file: relativized once, not once per step.
  const relative = new Map<string, string>();
  const origin = (span: Span): IROrigin => {
    let file = relative.get(span.file);
    if (file === undefined) {
      file = req.relativize(span.file);
      relative.set(span.file, file);
    }
    return { file, line: span.line, col: span.col };
  };

  const parameters = flow.parameters.map((p) => readParameter(p, origin, diagnostics)).filter((p): p is IRParameter => p !== undefined);
  const schedule = flow.schedule ? readSchedule(flow.schedule, origin, diagnostics) : null;

  const order = stableTopologicalOrder(
    flow.steps.map((s) => s.id),
    flow.steps.flatMap((s) => needIds(s).map((n) => [n, s.id] as [string, string])),
  );
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  const steps = order.map((id) => lowerStep({ step: byId.get(id) as WrittenStep, defaults: flow.defaults, origin, diagnostics }));
  const position = new Map(order.map((id, i) => [id, i]));
  // Sorted by (position of the need, position of the step), through one number per edge rather
  // than four map lookups per comparison; a step lists a need at most once (FLOWC312), so keys
  // are distinct.
  const n = order.length;
  const edges = steps
    .flatMap((s) => {
      const to = position.get(s.id) as number;
      return s.needs.map((need): [number, [string, string]] => [(position.get(need) as number) * n + to, [need, s.id]]);
    })
    .sort((a, b) => a[0] - b[0])
    .map((e) => e[1]);

  const targets = byTargetId(flow.targets);
  const secrets = [...flow.secrets]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s): IRSecret => ({ name: s.name, locators: byTargetId(s.locators), origin: origin(s.nameSpan) }));

  const problem = diagnostics.errors()[0];
  if (problem) throw new Error(`lowering a flow whose rules did not pass: ${problem.code} ${problem.message}`);
  return {
    irVersion: IR_VERSION,
    flowcVersion: FLOWC_VERSION,
    flow: {
      name: flow.name.value as string,
      description: typeof flow.description?.value === 'string' ? flow.description.value : null,
      source: basename(flow.file),
      sourceHash: req.sourceHash,
    },
    config: { hash: req.configHash, values: req.configs },
    parameters,
    schedule,
    steps,
    edges,
    targets,
    secrets,
  };
}

/** A map keyed by target id, as JSON sorted by id (`targets:`, a step's `targets:`, locators). */
function byTargetId(entries: { id: string; node: LNode }[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  if (entries.length === 0) return out;
  for (const t of [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) out[t.id] = toJson(t.node);
  return out;
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

function needIds(step: WrittenStep): string[] {
  return step.needs?.kind === 'seq' ? step.needs.items.map((i) => String(toJson(i))) : [];
}

interface StepRequest {
  step: WrittenStep;
  defaults: WrittenStepFields | undefined;
  origin: OriginOf;
  diagnostics: Reporter;
}

function lowerStep({ step, defaults, origin, diagnostics }: StepRequest): IRStep {
  const where = `steps.${step.id}`;
  const image = step.image ?? defaults?.image;
  const env = lowerEnv(defaults?.env, step.env, origin);
  return {
    id: step.id,
    needs: needIds(step),
    image: image && image.kind === 'scalar' ? String(image.value) : '',
    exec: step.run
      ? { kind: 'run', script: toIRString(step.run) }
      : { kind: 'command', argv: step.command?.kind === 'seq' ? step.command.items.map(toIRString) : [] },
    env: env.text,
    secretEnv: env.secrets,
    resources: readResources({ node: step.resources, defaults: defaults?.resources, where, diagnostics }),
    retry: readRetry({ node: step.retry, defaults: defaults?.retry, where, diagnostics }),
    timeoutSeconds: readTimeout(step.timeout ?? defaults?.timeout, where, diagnostics),
    foreach: readForeach(step, diagnostics),
    outputs: lowerOutputs(step.outputs, origin),
    targets: byTargetId(step.targets),
    origin: origin(step.idSpan),
  };
}

/**
 * Resolved run-time text as typed parts: the resolver's own parts where it substituted anything
 * (`RunTimeScalar`), else the text as written, which then holds no config value.
 */
export function toIRString(node: LNode): IRString {
  // Text without a `$` holds no reference and no escape: one literal part (what the parse below
  // gives), without parsing it.
  if (node.kind === 'scalar' && typeof node.value === 'string' && runTimePartsOf(node) === undefined && !node.value.includes('$')) {
    return node.value === '' ? [] : [{ kind: 'lit', value: node.value }];
  }
  const text = node.kind === 'scalar' ? formatScalar(node.value) : JSON.stringify(toJson(node));
  const parts: IRPart[] = [];
  const pushLit = (value: string) => {
    if (!value) return;
    const last = parts[parts.length - 1];
    if (last?.kind === 'lit') parts[parts.length - 1] = { kind: 'lit', value: last.value + value };
    else parts.push({ kind: 'lit', value });
  };
  for (const part of runTimePartsOf(node) ?? parseTemplate(text).parts) {
    if (part.kind === 'text') pushLit(part.value);
    else if (part.root === 'params') parts.push({ kind: 'param', name: String(part.path[0]) });
    else if (part.root === 'item') parts.push({ kind: 'item', path: part.path });
    else if (part.root === 'run') parts.push({ kind: 'run', field: 'id' });
    else if (part.root === 'flow') parts.push({ kind: 'flow', field: 'name' });
    else if (part.root === 'step') parts.push({ kind: 'step', field: 'name' });
    else if (part.root === 'steps') parts.push({ kind: 'output', step: String(part.path[0]), output: String(part.path[2]) });
    else pushLit(`\${${part.raw}}`);
  }
  return parts;
}

/** `outputs:`, sorted by name; each one's origin is its name. */
function lowerOutputs(node: LNode | undefined, origin: OriginOf): IROutput[] {
  if (node?.kind !== 'map') return [];
  return [...node.entries]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e): IROutput => {
      const type = e.value.kind === 'map' ? mapGet(e.value, 'type')?.value : undefined;
      return { name: e.key, type: (type?.kind === 'scalar' ? type.value : 'string') as IROutputType, origin: origin(e.keySpan) };
    });
}

/** The merged env, split into text values and secret references (each name in one of them). */
function lowerEnv(defaults: LNode | undefined, own: LNode | undefined, origin: OriginOf): { text: IREnvVar[]; secrets: IRSecretEnv[] } {
  if (defaults === undefined && own === undefined) return { text: [], secrets: [] };
  const merged = new Map<string, LNode>();
  for (const env of [defaults, own]) {
    if (env?.kind !== 'map') continue;
    for (const e of env.entries) {
      // `NAME: null` on a step removes a variable that `defaults.env` set.
      if (e.value.kind === 'scalar' && e.value.value === null) merged.delete(e.key);
      else merged.set(e.key, e.value);
    }
  }
  const text: IREnvVar[] = [];
  const secrets: IRSecretEnv[] = [];
  for (const name of [...merged.keys()].sort()) {
    const node = merged.get(name) as LNode;
    const secret = secretRefOf(node);
    if (secret === undefined) text.push({ name, value: toIRString(node) });
    else secrets.push({ name, secret, origin: origin(node.span) });
  }
  return { text, secrets };
}

