import type { WrittenFlow, WrittenStepFields, WrittenTargetOptions } from '../flow/ast.js';
import type { LNode } from '../source/tree.js';
import type { ConfigKeyChange, FieldChange, StepDiff } from './types.js';

/**
 * Which changed config keys a changed field reads: the `${<config>...}` references written where
 * the field is set in the flow (the step's own field and the flow's `defaults:`; for target
 * options, the step's and the flow's `targets:`). References of both sides' flows count, so a
 * field whose reference was added or removed still names the key.
 */
export function attributeCauses(options: { flows: WrittenFlow[]; flowChanges: FieldChange[]; steps: StepDiff[]; config: ConfigKeyChange[] }): void {
  if (options.config.length === 0) return;
  const { flows, config } = options;
  const configNames = new Set(flows.flatMap((f) => f.configs.map((c) => c.name)));
  const assign = (change: FieldChange, nodes: (LNode | undefined)[], depth: number) => {
    const rest = change.field.split('.').slice(depth);
    const refs = nodes.flatMap((n) => (n ? fieldReferences(n, rest) : [])).filter((r) => configNames.has(rootOf(r)));
    const causes = config.filter((c) => refs.some((r) => related(r, c.key)));
    if (causes.length > 0) change.causes = causes;
  };
  for (const change of options.flowChanges) assign(change, flows.flatMap((flow) => flowFieldNodes(flow, change.field)), depthOf(change.field));
  for (const step of options.steps) {
    for (const change of step.changes) assign(change, flows.flatMap((flow) => stepFieldNodes(flow, step.step, change.field)), depthOf(change.field));
  }
}

function flowFieldNodes(flow: WrittenFlow, field: string): (LNode | undefined)[] {
  const [top, second] = field.split('.');
  switch (top) {
    case 'schedule':
      return [flow.schedule];
    case 'parameters':
      return [flow.parameters.find((p) => p.name === second)?.node];
    case 'targets':
      return [targetNode(flow.targets, second)];
    case 'secrets':
      return [flow.secrets.find((s) => s.name === second)?.node];
    case 'description':
      return [flow.description];
    default:
      return [];
  }
}

function stepFieldNodes(flow: WrittenFlow, stepId: string, field: string): (LNode | undefined)[] {
  const step = flow.steps.find((s) => s.id === stepId);
  if (!step) return [];
  const [top, second] = field.split('.');
  const shared = (key: keyof Omit<WrittenStepFields, 'node'>) => [step[key], flow.defaults?.[key]];
  switch (top) {
    case 'image':
    case 'resources':
    case 'retry':
    case 'timeout':
    case 'env':
      return shared(top);
    case 'foreach':
      return second === 'parallelism' ? [step.parallelism] : [step.foreach];
    case 'targets':
      return [targetNode(step.targets, second), targetNode(flow.targets, second)];
    case 'run':
    case 'command':
    case 'needs':
    case 'outputs':
      return [step[top]];
    default:
      return [];
  }
}

function targetNode(list: WrittenTargetOptions[], id: string | undefined): LNode | undefined {
  return list.find((t) => t.id === id)?.node;
}

/** How many segments of a field path the node lookup used: `targets.argo`, `parameters.p`, `secrets.s` name the node with two. */
function depthOf(field: string): number {
  return /^(targets|parameters|secrets)\./.test(field) ? 2 : field.startsWith('foreach.') ? 2 : 1;
}

/**
 * The references that set one field below `node`: it follows `rest` down the written maps
 * (`resources` -> `cpu`), so `resources.cpu` reads only what `cpu:` reads. Where the flow pastes
 * a whole config map (`resources: ${app.res}`), the rest of the path continues the reference
 * (`app.res.cpu`); a key not written here reads nothing here; where the path meets a scalar or a
 * list, every reference in it counts.
 */
function fieldReferences(node: LNode, rest: string[]): string[] {
  let at = node;
  for (let i = 0; i < rest.length; i++) {
    if (at.kind === 'map') {
      const entry = at.entries.find((e) => e.key === rest[i]);
      // Not written here (a default, or the flow's `defaults:` sets it): nothing here causes it.
      if (!entry) return [];
      at = entry.value;
    } else if (at.kind === 'scalar' && typeof at.value === 'string') {
      const whole = /^\$\{([^}]*)\}$/.exec(at.value.trim());
      return whole ? [[(whole[1] ?? '').trim(), ...rest.slice(i)].join('.')] : references(at);
    } else return references(at);
  }
  return references(at);
}

/** The `${...}` references in a located tree's strings (`$${` is a literal, not a reference). */
function references(node: LNode, out: string[] = []): string[] {
  if (node.kind === 'scalar') {
    if (typeof node.value === 'string') for (const m of node.value.matchAll(/(\$?)\$\{([^}]*)\}/g)) if (m[1] === '') out.push((m[2] ?? '').trim());
  } else if (node.kind === 'seq') for (const item of node.items) references(item, out);
  else for (const e of node.entries) references(e.value, out);
  return out;
}

function rootOf(ref: string): string {
  return /^[^.[]*/.exec(ref)?.[0] ?? ref;
}

/** A reference reads a key when one is the other or lies inside it (`app.train` reads `app.train.cpu`). */
function related(ref: string, key: string): boolean {
  return ref === key || key.startsWith(`${ref}.`) || key.startsWith(`${ref}[`) || ref.startsWith(`${key}.`) || ref.startsWith(`${key}[`);
}
