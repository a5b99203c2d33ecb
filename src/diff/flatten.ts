import type { IR, IRPart, IRStep, IRString } from '../ir/types.js';
import type { Json } from '../source/tree.js';

/** A flow or a step as flat `field -> value` pairs: what two compiles are compared on. */
export type Fields = Map<string, Json>;

export interface FlatIR {
  name: string;
  flow: Fields;
  /** Steps by id, in the IR's order. */
  steps: Map<string, Fields>;
}

/**
 * The parts of the IR an engine sees, flattened so that two compiles compare field by field.
 * Left out on purpose: origins (where things are written is not what runs), the flow file's hash,
 * the flowc version and the config hash (the config's values are compared key by key instead).
 * Lists stay whole (a changed `needs` or foreach list is one change); maps are flattened to leaves.
 */
export function flattenIR(ir: IR): FlatIR {
  const flow: Fields = new Map();
  flow.set('name', ir.flow.name);
  if (ir.flow.description !== null) flow.set('description', ir.flow.description);
  if (ir.schedule) {
    flow.set('schedule.cron', ir.schedule.cron);
    flow.set('schedule.timezone', ir.schedule.timezone);
  }
  for (const p of ir.parameters) {
    flow.set(`parameters.${p.name}.type`, p.type);
    flow.set(`parameters.${p.name}.required`, p.required);
    if (p.default !== undefined) flow.set(`parameters.${p.name}.default`, p.default);
    if (p.enum !== undefined) flow.set(`parameters.${p.name}.enum`, p.enum);
    if (p.description !== undefined) flow.set(`parameters.${p.name}.description`, p.description);
  }
  for (const [id, options] of Object.entries(ir.targets)) leaves(options, `targets.${id}`, flow);
  // Secret locators are references (an ARN, a Kubernetes secret's name), never values.
  for (const s of ir.secrets) leaves(s.locators, `secrets.${s.name}`, flow, true);
  const steps = new Map<string, Fields>();
  for (const step of ir.steps) steps.set(step.id, flattenStep(step));
  return { name: ir.flow.name, flow, steps };
}

function flattenStep(step: IRStep): Fields {
  const f: Fields = new Map();
  f.set('image', step.image);
  if (step.exec.kind === 'run') f.set('run', irText(step.exec.script));
  else f.set('command', step.exec.argv.map(irText));
  f.set('needs', [...step.needs].sort());
  f.set('resources.cpu', step.resources.cpuMillis / 1000);
  f.set('resources.memory', memory(step.resources.memoryMiB));
  f.set('resources.gpu', step.resources.gpu);
  if (step.retry === null) f.set('retry', 'none');
  else {
    f.set('retry.limit', step.retry.limit);
    f.set('retry.delay', seconds(step.retry.delaySeconds));
    f.set('retry.backoff', step.retry.backoff);
    f.set('retry.maxDelay', step.retry.maxDelaySeconds === null ? 'none' : seconds(step.retry.maxDelaySeconds));
  }
  f.set('timeout', step.timeoutSeconds === null ? 'none' : seconds(step.timeoutSeconds));
  for (const e of step.env) f.set(`env.${e.name}`, irText(e.value));
  // A secret reference by the secret's name: flowc never holds the value.
  for (const e of step.secretEnv) f.set(`env.${e.name}`, `\${secrets.${e.secret}}`);
  if (step.foreach) {
    if (step.foreach.from) f.set('foreach.from', `\${steps.${step.foreach.from.step}.outputs.${step.foreach.from.output}}`);
    else f.set('foreach.items', step.foreach.items);
    f.set('foreach.parallelism', step.foreach.parallelism ?? 'unlimited');
  }
  for (const o of step.outputs) f.set(`outputs.${o.name}`, o.type);
  for (const [id, options] of Object.entries(step.targets)) leaves(options, `targets.${id}`, f);
  return f;
}

/** Map leaves by dotted key; lists and scalars are values. */
function leaves(value: Json, prefix: string, out: Fields, keepEmpty = false): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0 && keepEmpty) out.set(prefix, {});
    for (const [k, v] of entries) leaves(v, `${prefix}.${k}`, out, keepEmpty);
  } else out.set(prefix, value);
}

/** An IR string as the flow would write it: run-time parts as `${...}`, a literal `${` as `$${`. */
export function irText(s: IRString): string {
  return s.map(partText).join('');
}

function partText(p: IRPart): string {
  switch (p.kind) {
    case 'lit':
      return p.value.replaceAll('${', '$${');
    case 'param':
      return `\${params.${p.name}}`;
    case 'item':
      return `\${item${p.path.map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`)).join('')}}`;
    case 'run':
      return '${run.id}';
    case 'flow':
      return '${flow.name}';
    case 'step':
      return '${step.name}';
    case 'output':
      return `\${steps.${p.step}.outputs.${p.output}}`;
  }
}

/** MiB in the unit a flow would write: `2Gi` when whole GiB. */
function memory(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** Seconds as a flow duration: `2h30m`, `90s`. */
function seconds(total: number): string {
  if (total === 0) return '0s';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}
