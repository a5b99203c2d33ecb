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
import { DEFAULT_RESOURCES, type OriginOf, readForeach, readParameter, readResources, readRetry, readSchedule, readTimeout, type Reporter } from './read-fields.js';
import { stableTopologicalOrderOfIndices } from './toposort.js';
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

  // Step indices throughout: one needs list per step, read once, and no id-keyed maps or
  // [from, to] tuples built only to be looked up or sorted (a flow may have 10,000 steps).
  const written = flow.steps;
  const n = written.length;
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) index.set((written[i] as WrittenStep).id, i);
  const needs: string[][] = new Array<string[]>(n);
  const needIndex: number[][] = new Array<number[]>(n);
  for (let i = 0; i < n; i++) {
    const ids = needIds(written[i] as WrittenStep);
    const at: number[] = [];
    for (let k = 0; k < ids.length; k++) {
      const j = index.get(ids[k] as string);
      if (j !== undefined) at.push(j);
    }
    needs[i] = ids;
    needIndex[i] = at;
  }
  const order = stableTopologicalOrderOfIndices(n, needIndex);
  const strings = new IRStrings();
  const steps: IRStep[] = new Array<IRStep>(n);
  // position[i]: where written step i stands in `order`.
  const position = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    const i = order[p] as number;
    position[i] = p;
    steps[p] = lowerStep({ step: written[i] as WrittenStep, needs: needs[i] as string[], defaults: flow.defaults, origin, strings, diagnostics });
  }
  // Sorted by (position of the need, position of the step), through one number per edge; a step
  // lists a need at most once (FLOWC312), so keys are distinct.
  let edgeCount = 0;
  for (let i = 0; i < n; i++) edgeCount += (needs[i] as string[]).length;
  const keys = new Float64Array(edgeCount);
  let k = 0;
  for (let p = 0; p < n; p++) {
    const stepNeeds = (steps[p] as IRStep).needs;
    for (let j = 0; j < stepNeeds.length; j++) keys[k++] = (position[index.get(stepNeeds[j] as string) as number] as number) * n + p;
  }
  keys.sort();
  const edges: [string, string][] = new Array<[string, string]>(edgeCount);
  for (let e = 0; e < edgeCount; e++) {
    const key = keys[e] as number;
    const to = key % n;
    edges[e] = [(steps[(key - to) / n] as IRStep).id, (steps[to] as IRStep).id];
  }

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

/**
 * What most steps have: no env, secrets, outputs or per-target options, and the default
 * resources. One frozen value each, shared by every such step (see IRStrings: the same reason,
 * and no target may change what another step reads), instead of five objects per step. The empty
 * list is typed as the IR's plain lists are; frozen, a push throws rather than reaching every step.
 */
const NONE = Object.freeze([]) as unknown as never[];
const NO_TARGETS: Record<string, Json> = Object.freeze({});
const SHARED_DEFAULT_RESOURCES = Object.freeze({ ...DEFAULT_RESOURCES });

/** A map keyed by target id, as JSON sorted by id (`targets:`, a step's `targets:`, locators). */
function byTargetId(entries: { id: string; node: LNode }[]): Record<string, Json> {
  if (entries.length === 0) return NO_TARGETS;
  const out: Record<string, Json> = {};
  for (const t of [...entries].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) out[t.id] = toJson(t.node);
  return out;
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

function needIds(step: WrittenStep): string[] {
  if (step.needs?.kind !== 'seq') return [];
  const items = step.needs.items;
  const out = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as LNode;
    out[i] = item.kind === 'scalar' && typeof item.value === 'string' ? item.value : String(toJson(item));
  }
  return out;
}

interface StepRequest {
  step: WrittenStep;
  /** The step's needs, as `needIds` reads them. */
  needs: string[];
  defaults: WrittenStepFields | undefined;
  origin: OriginOf;
  strings: IRStrings;
  diagnostics: Reporter;
}

function lowerStep({ step, needs, defaults, origin, strings, diagnostics }: StepRequest): IRStep {
  // Most steps write none of these fields: then the readers' answers are known (read-fields.ts)
  // and no request or field path is made for them.
  const where = step.resources || step.retry || step.timeout || defaults?.resources || defaults?.retry || defaults?.timeout ? `steps.${step.id}` : '';
  const image = step.image ?? defaults?.image;
  const env = lowerEnv(defaults?.env, step.env, origin, strings);
  return {
    id: step.id,
    needs,
    image: image && image.kind === 'scalar' ? String(image.value) : '',
    exec: step.run
      ? { kind: 'run', script: strings.of(step.run) }
      : { kind: 'command', argv: step.command?.kind === 'seq' ? step.command.items.map((item) => strings.of(item)) : [] },
    env: env.text,
    secretEnv: env.secrets,
    resources: step.resources || defaults?.resources ? readResources({ node: step.resources, defaults: defaults?.resources, where, diagnostics }) : SHARED_DEFAULT_RESOURCES,
    retry: step.retry || defaults?.retry ? readRetry({ node: step.retry, defaults: defaults?.retry, where, diagnostics }) : null,
    timeoutSeconds: readTimeout(step.timeout ?? defaults?.timeout, where, diagnostics),
    foreach: step.foreach || step.parallelism ? readForeach(step, diagnostics) : null,
    outputs: lowerOutputs(step.outputs, origin),
    targets: byTargetId(step.targets),
    origin: origin(step.idSpan),
  };
}

/**
 * Resolved run-time text as typed parts, one shared and frozen IRString per distinct text of a
 * lowering. A flow repeats the same arguments in most steps (`--date`, `${params.date}`): a
 * 10,000-step flow's IR held 5.8 MB less (17.1 -> 11.3 MB) for one made per text, and what a
 * compile keeps alive is what its young-generation collections copy. Frozen, so no target can
 * change what another step (or target) reads.
 */
class IRStrings {
  /** By text, for text the resolver left as written. */
  private readonly byText = new Map<string, IRString>();
  /** By the resolver's parts (shared by every scalar of the same kept text: src/flow/resolve.ts). */
  private readonly byParts = new WeakMap<readonly unknown[], IRString>();

  of(node: LNode): IRString {
    const runTime = runTimePartsOf(node);
    if (runTime !== undefined) {
      let known = this.byParts.get(runTime);
      if (known === undefined) this.byParts.set(runTime, (known = freezeIRString(toIRString(node))));
      return known;
    }
    const text = node.kind === 'scalar' ? (typeof node.value === 'string' ? node.value : formatScalar(node.value)) : undefined;
    if (text === undefined) return freezeIRString(toIRString(node));
    let known = this.byText.get(text);
    if (known === undefined) this.byText.set(text, (known = freezeIRString(toIRString(node))));
    return known;
  }
}

function freezeIRString(parts: IRString): IRString {
  for (const part of parts) {
    if (part.kind === 'item') Object.freeze(part.path);
    Object.freeze(part);
  }
  return Object.freeze(parts) as IRString;
}

/**
 * Resolved run-time text as typed parts: the resolver's own parts where it substituted anything
 * (`RunTimeScalar`), else the text as written, which then holds no config value.
 */
function toIRString(node: LNode): IRString {
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
    // A copy: parsed parts are shared by every scalar with the same text (src/flow/resolve.ts).
    else if (part.root === 'item') parts.push({ kind: 'item', path: [...part.path] });
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
  if (node?.kind !== 'map') return NONE;
  return [...node.entries]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e): IROutput => {
      const type = e.value.kind === 'map' ? mapGet(e.value, 'type')?.value : undefined;
      return { name: e.key, type: (type?.kind === 'scalar' ? type.value : 'string') as IROutputType, origin: origin(e.keySpan) };
    });
}

/** The merged env, split into text values and secret references (each name in one of them). */
function lowerEnv(defaults: LNode | undefined, own: LNode | undefined, origin: OriginOf, strings: IRStrings): { text: IREnvVar[]; secrets: IRSecretEnv[] } {
  if (defaults === undefined && own === undefined) return { text: NONE, secrets: NONE };
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
    if (secret === undefined) text.push({ name, value: strings.of(node) });
    else secrets.push({ name, secret, origin: origin(node.span) });
  }
  return { text: text.length > 0 ? text : NONE, secrets: secrets.length > 0 ? secrets : NONE };
}

