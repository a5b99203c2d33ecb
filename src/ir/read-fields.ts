import type { Code } from '../diagnostics/codes.js';
import type { WrittenFlow, WrittenStep } from '../flow/ast.js';
import { checkCron, checkTimezone } from '../flow/cron.js';
import { isWholeReference, parseTemplate, type TemplatePart } from '../flow/template.js';
import { parseCpu, parseDuration, parseGpu, parseMemory } from '../flow/units.js';
import type { Span } from '../source/span.js';
import { type Json, type LMap, type LNode, mapGet, toJson } from '../source/tree.js';
import type { IROrigin, IROutputRef, IRParameter, IRResources, IRRetry, IRSchedule, IRStep, ParamType } from './types.js';

/**
 * Readers of the flow's deploy-time values (parameters, schedule, resources, retry, timeout,
 * foreach): each turns located nodes into IR values and reports what is wrong with them. The
 * flow rules (src/check) run them to report; lowering (lower.ts) runs them again on a flow whose
 * rules passed, to read the values. One reader per field keeps the rule and the value in step.
 */

/** Where a reader reports: a DiagnosticBag, or a scratch one when only the value is wanted. */
export interface Reporter {
  report(code: Code, message: string, span?: Span, notes?: string[]): void;
}

/** Defaults when neither the step nor `defaults:` says (docs/decisions.md, "Step defaults"). */
export const DEFAULT_RESOURCES: IRResources = { cpuMillis: 1000, memoryMiB: 4096, gpu: 0 };
export const DEFAULT_RETRY_DELAY_SECONDS = 10;
export const DEFAULT_RETRY_BACKOFF = 2;

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

export type OriginOf = (span: Span) => IROrigin;

export function readParameter(p: WrittenFlow['parameters'][number], origin: OriginOf, diagnostics: Reporter): IRParameter | undefined {
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
  // Key order is part of the IR's text form: name, type, required, default, enum, description,
  // origin. Built key by key: an object rest pattern is a slow path in V8, run for every unit.
  const ordered = { name: out.name, type: out.type, required: out.required } as IRParameter;
  if (out.default !== undefined) ordered.default = out.default;
  if (out.enum !== undefined) ordered.enum = out.enum;
  if (out.description !== undefined) ordered.description = out.description;
  ordered.origin = origin(p.nameSpan);
  return ok ? ordered : undefined;
}

export function readSchedule(node: LNode, origin: OriginOf, diagnostics: Reporter): IRSchedule | null {
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

export interface FieldRequest {
  node: LNode | undefined;
  defaults: LNode | undefined;
  where: string;
  diagnostics: Reporter;
}

/** Map fields merge key by key over `defaults`; the step's own keys win. */
function mergedFields(defaults: LNode | undefined, node: LNode | undefined): Map<string, LNode> {
  const out = new Map<string, LNode>();
  for (const m of [defaults, node]) if (m?.kind === 'map') for (const e of (m as LMap).entries) out.set(e.key, e.value);
  return out;
}

export function readResources({ node, defaults, where, diagnostics }: FieldRequest): IRResources {
  if (node === undefined && defaults === undefined) return { ...DEFAULT_RESOURCES };
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

export function readRetry({ node, defaults, where, diagnostics }: FieldRequest): IRRetry | null {
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

export function readTimeout(node: LNode | undefined, where: string, diagnostics: Reporter): number | null {
  if (!node || (node.kind === 'scalar' && node.value === null)) return null;
  const r = parseDuration(toJson(node));
  if (r.ok && r.value > 0) return r.value;
  diagnostics.report('FLOWC305', `${where}.timeout: ${r.ok ? 'must be longer than 0 seconds' : r.error}`, node.span);
  return null;
}

/**
 * The output a dynamic foreach iterates over (`foreach: ${steps.<id>.outputs.<name>}`, left as
 * written by the resolver, which judged it), or undefined for a static list.
 */
function dynamicForeachSource(node: LNode): IROutputRef | undefined {
  if (node.kind !== 'scalar' || typeof node.value !== 'string') return undefined;
  const parsed = parseTemplate(node.value);
  if (!isWholeReference(parsed)) return undefined;
  const ref = parsed.parts[0] as Extract<TemplatePart, { kind: 'ref' }>;
  const [step, outputs, output] = ref.path;
  if (ref.root !== 'steps' || ref.path.length !== 3 || typeof step !== 'string' || outputs !== 'outputs' || typeof output !== 'string') return undefined;
  return { step, output };
}

export function readForeach(step: WrittenStep, diagnostics: Reporter): IRStep['foreach'] {
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
  const from = dynamicForeachSource(step.foreach);
  if (from) return { items: [], from, parallelism };
  if (step.foreach.kind !== 'seq') {
    diagnostics.report('FLOWC314', `${where}.foreach must be a list (a static list from config or written inline) or exactly \${steps.<id>.outputs.<name>}`, step.foreach.span);
    return null;
  }
  if (step.foreach.items.length === 0) {
    diagnostics.report('FLOWC314', `${where}.foreach is an empty list, so the step would never run`, step.foreach.span);
    return null;
  }
  return { items: step.foreach.items.map(toJson), from: null, parallelism };
}
