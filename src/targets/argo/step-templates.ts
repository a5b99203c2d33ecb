import type { IR, IROutputRef, IRString } from '../../ir/types.js';
import { canonicalJson } from '../../source/canonical-json.js';
import type { Json } from '../../source/tree.js';
import { type ContainerBody, containerTemplate } from './container-template.js';
import type { DagNode } from './dag.js';
import { uniqueName } from './names.js';
import type { ArgoOptions } from './options.js';
import { isParamDefinition, paramExpression, renderArgoString, type TagRenderer, usesLbrace } from './render-string.js';
import { dynamicInputName, type StepFields } from './step-fields.js';
import { dynamicItemArgument, outputArgument, type ProducerInfo, withParamExpression } from './outputs.js';

/**
 * Container templates for the steps, in one of two layouts:
 *
 * - one template per step (named like its task), readable in the Argo UI: used whenever the
 *   workflow then stays within Argo's template cap;
 * - shared templates, one per step *shape* (same argv length, env names, resources, retry, timeout,
 *   secret env and per-step placement):
 *   a string that is the same for every step of the shape stays in the template, any other is an
 *   input parameter the DAG task fills in. A generated flow of 1,000 similar steps needs a handful.
 *
 * Either way a foreach step's task carries `withItems`; one with `parallelism` runs through a small
 * wrapper DAG template, because Argo's `parallelism` is a template field and limits the children of
 * the template it is set on (https://argo-workflows.readthedocs.io/en/latest/fields/#template).
 */
export interface StepTemplates {
  /** The top-level DAG task body of each step, by step id. */
  calls: Map<string, DagNode['body']>;
  /** Container templates and foreach wrappers, in step order. */
  templates: Record<string, unknown>[];
}

export interface LayoutOptions {
  ir: IR;
  fields: StepFields[];
  options: ArgoOptions;
  /** Names already in use (task names, generated names); new names are added. */
  taken: Set<string>;
}

/** One template per step. */
export function perStepTemplates(o: LayoutOptions): StepTemplates {
  const calls = new Map<string, DagNode['body']>();
  const templates: Record<string, unknown>[] = [];
  const producers = producerInfo(o.fields);
  for (const f of o.fields) {
    const items = f.items;
    const dynamic = f.dynamicPaths;
    const tags: TagRenderer = {
      item: (path) => `inputs.parameters.${dynamic ? dynamicInputName(dynamicIndex(dynamic, path)) : (items?.inputName(path) ?? 'item')}`,
      output: (step, output) => f.outputInputs.find((x) => x.step === step && x.output === output)?.name as string,
    };
    const body = renderBody(o, f, tags);
    const itemInputs = items ? items.paths.map((p) => items.inputName(p)) : dynamic ? dynamic.map((_, i) => dynamicInputName(i)) : [];
    templates.push(
      containerTemplate({
        name: f.taskName,
        inputs: [...itemInputs, ...f.outputInputs.map((x) => x.name)],
        body: { ...body, lbrace: body.lbrace || f.outputInputs.length > 0 || dynamic !== null },
        resources: f.step.resources,
        retry: f.step.retry,
        timeoutSeconds: f.step.timeoutSeconds,
        options: o.options,
        secrets: f.secrets,
        placement: f.placement,
        outputs: f.step.outputs,
      }),
    );
    const call: DagNode['body'] = { template: f.taskName };
    const args: { name: string; value: string }[] = [];
    if (items) {
      args.push(...items.paths.map((p) => ({ name: items.inputName(p), value: `{{${items.tag(p)}}}` })));
      call.withItems = items.withItems;
    }
    if (dynamic) {
      args.push(...dynamic.map((_, i) => ({ name: dynamicInputName(i), value: dynamicItemArgument(i) })));
      const from = f.step.foreach?.from as IROutputRef;
      call.withParam = withParamExpression(from, producers.get(from.step) as ProducerInfo, dynamic);
    }
    const itemArgs = args.length;
    for (const x of f.outputInputs) args.push({ name: x.name, value: outputArgument(x, producers.get(x.step) as ProducerInfo) });
    if (args.length > 0) call.arguments = { parameters: args };
    addCall({ fields: f, call, calls, templates, taken: o.taken, itemArgs });
  }
  return { calls, templates };
}

/** What a consumer needs to know of each producing step (outputs.ts `outputText`). */
function producerInfo(fields: StepFields[]): Map<string, ProducerInfo> {
  return new Map(fields.filter((f) => f.step.outputs.length > 0).map((f) => [f.step.id, { task: f.taskName, foreach: f.step.foreach !== null, outputs: f.step.outputs }]));
}

function dynamicIndex(paths: (string | number)[][], path: (string | number)[]): number {
  const key = JSON.stringify(path);
  return paths.findIndex((p) => JSON.stringify(p) === key);
}

interface Member {
  fields: StepFields;
  /** Rendered for a DAG task's arguments (`{{item}}` tags). */
  body: ContainerBody;
  /** Which argv / env strings use the foreach item (they can never be shared text). */
  itemArgv: boolean[];
  itemEnv: boolean[];
}

/** One template per step shape; per-step strings travel as input parameters. */
export function sharedTemplates(o: LayoutOptions): StepTemplates {
  const groups = groupByShape(o);
  const calls = new Map<string, DagNode['body']>();
  const templates: Record<string, unknown>[] = [];
  const templateOf = new Map<string, string>();
  const argumentsOf = new Map<string, { name: string; value: string }[]>();
  for (const members of groups) {
    const first = members[0] as Member;
    const name = uniqueName(`shared-${templates.length + 1}`, o.taken);
    const inputs: string[] = [];
    const perMember: { name: string; value: string }[][] = members.map(() => []);
    /** Keeps a string in the template if every member has the same text, else makes it an input. */
    const position = (slot: string, valueOf: (m: Member, index: number) => string, usesItem: (m: Member) => boolean): string => {
      const values = members.map(valueOf);
      const first = values[0];
      if (values.every((v) => v === first) && !members.some(usesItem)) return first as string;
      inputs.push(slot);
      values.forEach((value, i) => perMember[i]?.push({ name: slot, value }));
      return `{{inputs.parameters.${slot}}}`;
    };
    const image = position('image', (m) => m.body.image, () => false);
    const argvOf = members.map((m) => [...m.body.command, ...m.body.args]);
    const argv = (argvOf[0] as string[]).map((_, i) =>
      position(`arg-${i}`, (m, k) => argvOf[k]?.[i] as string, (m) => m.itemArgv[i] === true),
    );
    const env = first.body.env.map((e, j) => ({
      name: e.name,
      value: position(`env-${e.name}`, (m) => (m.body.env[j] as { value: string }).value, (m) => m.itemEnv[j] === true),
    }));
    const commandLength = first.fields.commandLength;
    templates.push(
      containerTemplate({
        name,
        inputs,
        body: { image, command: argv.slice(0, commandLength), args: argv.slice(commandLength), env, lbrace: first.body.lbrace },
        resources: first.fields.step.resources,
        retry: first.fields.step.retry,
        timeoutSeconds: first.fields.step.timeoutSeconds,
        options: o.options,
        secrets: first.fields.secrets,
        placement: first.fields.placement,
      }),
    );
    members.forEach((m, i) => {
      templateOf.set(m.fields.step.id, name);
      argumentsOf.set(m.fields.step.id, perMember[i] ?? []);
    });
  }
  const wrappers: Record<string, unknown>[] = [];
  for (const f of o.fields) {
    const call: DagNode['body'] = { template: templateOf.get(f.step.id) as string };
    const args = argumentsOf.get(f.step.id) ?? [];
    if (args.length > 0) call.arguments = { parameters: args };
    if (f.items) call.withItems = f.items.withItems;
    addCall({ fields: f, call, calls, templates: wrappers, taken: o.taken });
  }
  return { calls, templates: [...templates, ...wrappers] };
}

/** The number of shared templates a flow needs (for choosing the layout before building it). */
export function shapeCount(o: LayoutOptions): number {
  return groupByShape(o).length;
}

/** `shapeCount` chooses the layout and `sharedTemplates` then builds it from the same groups. */
const shapeGroups = new WeakMap<LayoutOptions, Member[][]>();

function groupByShape(o: LayoutOptions): Member[][] {
  const known = shapeGroups.get(o);
  if (known) return known;
  const out = [...groupsOf(o).values()];
  shapeGroups.set(o, out);
  return out;
}

function groupsOf(o: LayoutOptions): Map<string, Member[]> {
  const groups = new Map<string, Member[]>();
  for (const f of o.fields) {
    const items = f.items;
    const tags: TagRenderer = { item: (path) => items?.tag(path) ?? 'item' };
    const body = renderBody(o, f, tags);
    const member: Member = {
      fields: f,
      body,
      itemArgv: f.argv.map(usesItem),
      itemEnv: f.env.map((e) => usesItem(e.value)),
    };
    const key = shapeKey(f, body.lbrace);
    const list = groups.get(key);
    if (list) list.push(member);
    else groups.set(key, [member]);
  }
  return groups;
}

/**
 * What steps sharing a template must agree on, as the text of one JSON array: commandLength, argv
 * length, env names, lbrace, resources, retry, timeout, secrets (they stay in the template, so
 * only steps that agree on them share one) and placement. Each element is JSON (canonical where
 * its key order could differ between steps), so equal keys mean equal shapes.
 */
export function shapeKey(f: StepFields, lbrace: boolean): string {
  const retry = f.step.retry ? canonicalJson({ ...f.step.retry }) : 'null';
  const secrets = f.secrets.length === 0 ? '[]' : canonicalJson(f.secrets as unknown as Json);
  const p = f.placement;
  const placement = Object.keys(p.template).length === 0 ? JSON.stringify([p.ephemeralStorage, p.shmSize]) : canonicalJson(p as unknown as Json);
  const names = JSON.stringify(f.env.map((e) => e.name));
  return `[${f.commandLength},${f.argv.length},${names},${lbrace},${canonicalJson({ ...f.step.resources })},${retry},${JSON.stringify(f.step.timeoutSeconds)},${secrets},${placement}]`;
}

function usesItem(s: IRString): boolean {
  return s.some((p) => p.kind === 'item');
}

/** Renders a step's container strings with the given item tags. */
function renderBody(o: LayoutOptions, f: StepFields, tags: TagRenderer): ContainerBody {
  const render = (s: IRString) => renderArgoString(s, { flowName: o.ir.flow.name, stepId: f.step.id, tags });
  const argv = f.argv.map(render);
  const env = f.env.map((e) => {
    const param = isParamDefinition(e.name, e.value) ? (e.value[0] as { name: string }).name : null;
    if (param !== null) return { name: e.name, value: paramExpression(param) };
    // The variable that carries a step output is its input parameter, already kubelet-encoded.
    if (f.outputInputs.some((x) => x.name === e.name)) return { name: e.name, value: `{{inputs.parameters.${e.name}}}` };
    return { name: e.name, value: render(e.value) };
  });
  return {
    image: f.step.image,
    command: argv.slice(0, f.commandLength),
    args: argv.slice(f.commandLength),
    env,
    lbrace: argv.some(usesLbrace) || env.some((e) => usesLbrace(e.value)),
  };
}

/**
 * Records a step's call; a foreach step with `parallelism` gets a wrapper DAG template. The wrapper
 * runs in a scope of its own, where other tasks' outputs are not visible (Argo resolves
 * `tasks.<t>` among the DAG's own tasks, workflow/controller/dag.go `buildLocalScope`): the outer
 * task evaluates every argument but the item ones (and a dynamic list) and passes them as the
 * wrapper's inputs, which the inner task forwards. A producer's wrapper publishes the inner task's
 * aggregated outputs as its own (`valueFrom.parameter`), with `[]` when an empty dynamic list left
 * the inner task Skipped (https://argo-workflows.readthedocs.io/en/latest/variables/, "Outputs of Skipped and Omitted Nodes").
 */
function addCall(o: {
  fields: StepFields;
  call: DagNode['body'];
  calls: Map<string, DagNode['body']>;
  templates: Record<string, unknown>[];
  taken: Set<string>;
  /** How many leading arguments read `{{item...}}` (they stay on the inner task). */
  itemArgs?: number;
}): void {
  const parallelism = o.fields.step.foreach?.parallelism ?? null;
  if (parallelism === null) {
    o.calls.set(o.fields.step.id, o.call);
    return;
  }
  const name = uniqueName(`${o.fields.taskName}-items`, o.taken);
  const args = ((o.call.arguments as { parameters?: { name: string; value: string }[] } | undefined)?.parameters ?? []).slice();
  const itemArgs = o.itemArgs ?? args.length;
  const passed = args.slice(itemArgs);
  if (o.call.withParam !== undefined) passed.push({ name: ITEMS_INPUT, value: o.call.withParam as string });
  const inner: Record<string, unknown> = { name: o.fields.taskName, template: o.call.template };
  const innerArgs = [...args.slice(0, itemArgs), ...args.slice(itemArgs).map((a) => ({ name: a.name, value: `{{inputs.parameters.${a.name}}}` }))];
  if (innerArgs.length > 0) inner.arguments = { parameters: innerArgs };
  if (o.call.withItems !== undefined) inner.withItems = o.call.withItems;
  if (o.call.withParam !== undefined) inner.withParam = `{{inputs.parameters.${ITEMS_INPUT}}}`;
  const wrapper: Record<string, unknown> = { name };
  if (passed.length > 0) wrapper.inputs = { parameters: passed.map((a) => ({ name: a.name })) };
  const outputs = o.fields.step.outputs;
  if (outputs.length > 0) {
    wrapper.outputs = {
      parameters: outputs.map((out) => ({ name: out.name, valueFrom: { parameter: `{{tasks.${o.fields.taskName}.outputs.parameters.${out.name}}}`, default: '[]' } })),
    };
  }
  wrapper.parallelism = parallelism;
  wrapper.dag = { tasks: [inner] };
  o.templates.push(wrapper);
  const outer: DagNode['body'] = { template: name };
  if (passed.length > 0) outer.arguments = { parameters: passed };
  o.calls.set(o.fields.step.id, outer);
}

/** The wrapper input that carries a dynamic foreach's list to its inner task. */
const ITEMS_INPUT = 'items';

/** How many foreach wrapper templates the flow needs. */
export function wrapperCount(fields: StepFields[]): number {
  return fields.filter((f) => (f.step.foreach?.parallelism ?? null) !== null).length;
}
