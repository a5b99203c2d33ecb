import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { WrittenFlow, WrittenStep, WrittenStepFields } from '../flow/ast.js';
import { checkCron, checkTimezone } from '../flow/cron.js';
import { formatScalar } from '../flow/resolve.js';
import { runTimePartsOf } from '../flow/run-time-text.js';
import { parseTemplate } from '../flow/template.js';
import { parseCpu, parseDuration, parseGpu, parseMemory } from '../flow/units.js';
import type { Span } from '../source/span.js';
import { type Json, type LMap, type LNode, mapGet, toJson } from '../source/tree.js';
import { FLOWC_VERSION } from '../version.js';
import { stableTopologicalOrder } from './toposort.js';
import {
  IR_VERSION,
  type IR,
  type IREnvVar,
  type IROrigin,
  type IRParameter,
  type IRPart,
  type IRResources,
  type IRRetry,
  type IRSchedule,
  type IRStep,
  type IRString,
  type ParamType,
} from './types.js';

/** Defaults when neither the step nor `defaults:` says (docs/decisions.md, "Step defaults"). */
export const DEFAULT_RESOURCES: IRResources = { cpuMillis: 1000, memoryMiB: 4096, gpu: 0 };
export const DEFAULT_RETRY_DELAY_SECONDS = 10;
export const DEFAULT_RETRY_BACKOFF = 2;

export interface LowerRequest {
  /** The resolved (interpolated), shape-checked flow whose rules passed. */
  flow: WrittenFlow;
  configs: Record<string, Json>;
  configHash: string;
  /** SHA-256 of the flow file's bytes. */
  sourceHash: string;
  /** Path relative to the flow file's folder, with `/` separators (IR origins never hold absolute paths). */
  relativize: (absPath: string) => string;
  diagnostics: DiagnosticBag;
}

/**
 * Lowers a resolved flow to the IR: applies `defaults`, normalises units, expands shorthands,
 * orders steps, and splits run-time text into typed parts. Reports unit and value errors; returns
 * undefined if any were reported.
 */
export function lowerToIR(req: LowerRequest): IR | undefined {
  const { flow, diagnostics } = req;
  const before = diagnostics.errors().length;
  const origin = (span: Span): IROrigin => ({ file: req.relativize(span.file), line: span.line, col: span.col });

  const parameters = flow.parameters.map((p) => lowerParameter(p, origin, diagnostics)).filter((p): p is IRParameter => p !== undefined);
  const schedule = flow.schedule ? lowerSchedule(flow.schedule, origin, diagnostics) : null;

  const order = stableTopologicalOrder(
    flow.steps.map((s) => s.id),
    flow.steps.flatMap((s) => needIds(s).map((n) => [n, s.id] as [string, string])),
  );
  const byId = new Map(flow.steps.map((s) => [s.id, s]));
  const steps = order.map((id) => lowerStep({ step: byId.get(id) as WrittenStep, defaults: flow.defaults, origin, diagnostics }));
  const position = new Map(order.map((id, i) => [id, i]));
  const edges = steps
    .flatMap((s) => s.needs.map((n) => [n, s.id] as [string, string]))
    .sort((a, b) => (position.get(a[0]) as number) - (position.get(b[0]) as number) || (position.get(a[1]) as number) - (position.get(b[1]) as number));

  const targets: Record<string, Json> = {};
  for (const t of [...flow.targets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) targets[t.id] = toJson(t.node);

  if (diagnostics.errors().length > before) return undefined;
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
  };
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function basename(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

function needIds(step: WrittenStep): string[] {
  return step.needs?.kind === 'seq' ? step.needs.items.map((i) => String(toJson(i))) : [];
}

type OriginOf = (span: Span) => IROrigin;

function lowerParameter(p: WrittenFlow['parameters'][number], origin: OriginOf, diagnostics: DiagnosticBag): IRParameter | undefined {
  const type = p.type.value as ParamType;
  const out: Omit<IRParameter, 'origin'> = { name: p.name, type, required: true };
  let ok = true;
  const fits = (v: Json): boolean =>
    type === 'string' ? typeof v === 'string' : type === 'boolean' ? typeof v === 'boolean' : type === 'integer' ? Number.isInteger(v) : typeof v === 'number' && Number.isFinite(v);
  if (p.enum) {
    const values = p.enum.items.map(toJson);
    for (const [i, v] of values.entries()) {
      if (!fits(v)) {
        diagnostics.report('FLOWC311', `parameters.${p.name}.enum: ${JSON.stringify(v)} is not ${article(type)}`, (p.enum.items[i] as LNode).span);
        ok = false;
      }
    }
    if (new Set(values.map((v) => JSON.stringify(v))).size !== values.length) {
      diagnostics.report('FLOWC311', `parameters.${p.name}.enum lists a value twice`, p.enum.span);
      ok = false;
    }
    if (ok) out.enum = values as (string | number | boolean)[];
  }
  if (p.default) {
    const v = toJson(p.default);
    if (!fits(v)) {
      diagnostics.report('FLOWC311', `parameters.${p.name}.default: ${JSON.stringify(v)} is not ${article(type)}`, p.default.span);
      ok = false;
    } else if (out.enum && !out.enum.some((e) => e === v)) {
      diagnostics.report('FLOWC311', `parameters.${p.name}.default: ${JSON.stringify(v)} is not one of the enum values ${JSON.stringify(out.enum)}`, p.default.span);
      ok = false;
    } else {
      out.default = v as string | number | boolean;
      out.required = false;
    }
    if (p.required?.value === true) {
      diagnostics.report('FLOWC311', `parameters.${p.name} is required and has a default; a default makes it optional, so drop one of them`, p.required.span);
      ok = false;
    }
  }
  if (typeof p.description?.value === 'string') out.description = p.description.value;
  // Key order is part of the IR's text form: name, type, required, default, enum, description, origin.
  const { default: dflt, enum: choices, description, ...head } = out;
  const ordered = { ...head } as IRParameter;
  if (dflt !== undefined) ordered.default = dflt;
  if (choices !== undefined) ordered.enum = choices;
  if (description !== undefined) ordered.description = description;
  ordered.origin = origin(p.nameSpan);
  return ok ? ordered : undefined;
}

function lowerSchedule(node: LNode, origin: OriginOf, diagnostics: DiagnosticBag): IRSchedule | null {
  if (node.kind === 'scalar' && node.value === null) return null;
  let cronNode: LNode | undefined = node;
  let tzNode: LNode | undefined;
  if (node.kind === 'map') {
    cronNode = mapGet(node, 'cron')?.value;
    tzNode = mapGet(node, 'timezone')?.value;
  }
  if (!cronNode || cronNode.kind !== 'scalar' || typeof cronNode.value !== 'string') {
    diagnostics.report('FLOWC309', 'schedule must be a 5-field cron string, a map { cron, timezone }, or null', (cronNode ?? node).span);
    return null;
  }
  const cron = checkCron(cronNode.value);
  if (!cron.ok) {
    diagnostics.report('FLOWC309', `schedule: ${cron.error}`, cronNode.span);
    return null;
  }
  let timezone: string | null = null;
  if (tzNode && !(tzNode.kind === 'scalar' && tzNode.value === null)) {
    const tz = tzNode.kind === 'scalar' && typeof tzNode.value === 'string' ? checkTimezone(tzNode.value) : { ok: false as const, error: 'expected an IANA timezone name such as Europe/Amsterdam' };
    if (!tz.ok) {
      const notes = 'suggestion' in tz && tz.suggestion ? [`did you mean '${tz.suggestion}'?`] : [];
      diagnostics.report('FLOWC310', `schedule.timezone: ${tz.error}`, tzNode.span, notes);
      return null;
    }
    timezone = tz.normalized;
  }
  return { cron: cron.normalized, timezone, origin: origin(cronNode.span) };
}

interface StepRequest {
  step: WrittenStep;
  defaults: WrittenStepFields | undefined;
  origin: OriginOf;
  diagnostics: DiagnosticBag;
}

function lowerStep({ step, defaults, origin, diagnostics }: StepRequest): IRStep {
  const where = `steps.${step.id}`;
  const image = step.image ?? defaults?.image;
  return {
    id: step.id,
    needs: needIds(step),
    image: image && image.kind === 'scalar' ? String(image.value) : '',
    exec: step.run
      ? { kind: 'run', script: toIRString(step.run) }
      : { kind: 'command', argv: step.command?.kind === 'seq' ? step.command.items.map(toIRString) : [] },
    env: lowerEnv(defaults?.env, step.env),
    resources: lowerResources({ node: step.resources, defaults: defaults?.resources, where, diagnostics }),
    retry: lowerRetry({ node: step.retry, defaults: defaults?.retry, where, diagnostics }),
    timeoutSeconds: lowerTimeout(step.timeout ?? defaults?.timeout, where, diagnostics),
    foreach: lowerForeach(step, diagnostics),
    origin: origin(step.idSpan),
  };
}

/**
 * Resolved run-time text as typed parts: the resolver's own parts where it substituted anything
 * (`RunTimeScalar`), else the text as written, which then holds no config value.
 */
export function toIRString(node: LNode): IRString {
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
    else pushLit(`\${${part.raw}}`);
  }
  return parts;
}

function lowerEnv(defaults: LNode | undefined, own: LNode | undefined): IREnvVar[] {
  const merged = new Map<string, LNode>();
  for (const env of [defaults, own]) {
    if (env?.kind !== 'map') continue;
    for (const e of env.entries) {
      // `NAME: null` on a step removes a variable that `defaults.env` set.
      if (e.value.kind === 'scalar' && e.value.value === null) merged.delete(e.key);
      else merged.set(e.key, e.value);
    }
  }
  return [...merged.keys()].sort().map((name) => ({ name, value: toIRString(merged.get(name) as LNode) }));
}

interface FieldRequest {
  node: LNode | undefined;
  defaults: LNode | undefined;
  where: string;
  diagnostics: DiagnosticBag;
}

/** Map fields merge key by key over `defaults`; the step's own keys win. */
function mergedFields(defaults: LNode | undefined, node: LNode | undefined): Map<string, LNode> {
  const out = new Map<string, LNode>();
  for (const m of [defaults, node]) if (m?.kind === 'map') for (const e of (m as LMap).entries) out.set(e.key, e.value);
  return out;
}

function lowerResources({ node, defaults, where, diagnostics }: FieldRequest): IRResources {
  const fields = mergedFields(defaults, node);
  const out: IRResources = { ...DEFAULT_RESOURCES };
  const cpu = fields.get('cpu');
  if (cpu) {
    const r = parseCpu(toJson(cpu));
    if (r.ok && r.value > 0) out.cpuMillis = r.value;
    else diagnostics.report('FLOWC307', `${where}.resources.cpu: ${r.ok ? 'must be more than 0' : r.error}`, cpu.span);
  }
  const memory = fields.get('memory');
  if (memory) {
    const r = parseMemory(toJson(memory));
    if (r.ok && r.value > 0) out.memoryMiB = r.value;
    else diagnostics.report('FLOWC306', `${where}.resources.memory: ${r.ok ? 'must be more than 0' : r.error}`, memory.span);
  }
  const gpu = fields.get('gpu');
  if (gpu) {
    const r = parseGpu(toJson(gpu));
    if (r.ok) out.gpu = r.value;
    else diagnostics.report('FLOWC308', `${where}.resources.gpu: ${r.error}`, gpu.span);
  }
  return out;
}

function retryFields(node: LNode | undefined): LNode | undefined {
  // `retry: 3` is shorthand for `retry: { limit: 3 }`.
  if (node?.kind === 'scalar' && typeof node.value === 'number') {
    return { kind: 'map', span: node.span, entries: [{ key: 'limit', keySpan: node.span, value: node }] };
  }
  return node;
}

function lowerRetry({ node, defaults, where, diagnostics }: FieldRequest): IRRetry | null {
  const own = retryFields(node);
  const base = retryFields(defaults);
  if (!own && !base) return null;
  for (const n of [base, own]) {
    if (n && n.kind !== 'map') {
      diagnostics.report('FLOWC313', `${where}.retry must be a number of retries or a map { limit, delay, backoff, maxDelay }`, n.span);
      return null;
    }
  }
  const fields = mergedFields(base, own);
  const retry: IRRetry = { limit: 0, delaySeconds: DEFAULT_RETRY_DELAY_SECONDS, backoff: DEFAULT_RETRY_BACKOFF, maxDelaySeconds: null };
  const limit = fields.get('limit');
  if (limit) {
    const v = toJson(limit);
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100) retry.limit = v;
    else diagnostics.report('FLOWC313', `${where}.retry.limit must be a whole number from 0 to 100, got ${JSON.stringify(v)}`, limit.span);
  } else {
    diagnostics.report('FLOWC313', `${where}.retry needs a limit (the number of retries after the first attempt)`, (own ?? base as LNode).span);
  }
  const delay = fields.get('delay');
  if (delay) {
    const r = parseDuration(toJson(delay));
    if (r.ok) retry.delaySeconds = r.value;
    else diagnostics.report('FLOWC305', `${where}.retry.delay: ${r.error}`, delay.span);
  }
  const backoff = fields.get('backoff');
  if (backoff) {
    const v = toJson(backoff);
    if (typeof v === 'number' && v >= 1 && v <= 100) retry.backoff = v;
    else diagnostics.report('FLOWC313', `${where}.retry.backoff must be a number from 1 (constant delay) to 100, got ${JSON.stringify(v)}`, backoff.span);
  }
  const maxDelay = fields.get('maxDelay');
  if (maxDelay && !(maxDelay.kind === 'scalar' && maxDelay.value === null)) {
    const r = parseDuration(toJson(maxDelay));
    if (r.ok && r.value >= retry.delaySeconds) retry.maxDelaySeconds = r.value;
    else diagnostics.report('FLOWC305', `${where}.retry.maxDelay: ${r.ok ? `must not be shorter than the delay (${retry.delaySeconds}s)` : r.error}`, maxDelay.span);
  }
  return retry.limit === 0 ? null : retry;
}

function lowerTimeout(node: LNode | undefined, where: string, diagnostics: DiagnosticBag): number | null {
  if (!node || (node.kind === 'scalar' && node.value === null)) return null;
  const r = parseDuration(toJson(node));
  if (r.ok && r.value > 0) return r.value;
  diagnostics.report('FLOWC305', `${where}.timeout: ${r.ok ? 'must be longer than 0 seconds' : r.error}`, node.span);
  return null;
}

function lowerForeach(step: WrittenStep, diagnostics: DiagnosticBag): IRStep['foreach'] {
  const where = `steps.${step.id}`;
  const par = step.parallelism;
  let parallelism: number | null = null;
  if (par && !(par.kind === 'scalar' && par.value === null)) {
    const v = toJson(par);
    if (!step.foreach) diagnostics.report('FLOWC314', `${where}.parallelism only applies to a step with foreach`, par.span);
    else if (typeof v === 'number' && Number.isInteger(v) && v >= 1) parallelism = v;
    else diagnostics.report('FLOWC314', `${where}.parallelism must be a whole number of at least 1, got ${JSON.stringify(v)}`, par.span);
  }
  if (!step.foreach) return null;
  if (step.foreach.kind !== 'seq') {
    diagnostics.report('FLOWC314', `${where}.foreach must be a list (a static list from config or written inline)`, step.foreach.span);
    return null;
  }
  if (step.foreach.items.length === 0) {
    diagnostics.report('FLOWC314', `${where}.foreach is an empty list, so the step would never run`, step.foreach.span);
    return null;
  }
  return { items: step.foreach.items.map(toJson), parallelism };
}
