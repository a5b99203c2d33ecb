import type { IR, IRString } from '../../ir/types.js';
import { canonicalJson } from '../../source/canonical-json.js';
import type { Json } from '../../source/tree.js';
import { type ContainerBody, containerTemplate } from './container-template.js';
import type { DagNode, DagTemplate } from './dag.js';
import { uniqueName } from './names.js';
import type { ArgoOptions } from './options.js';
import { isParamDefinition, itemPathsOf, paramExpression, renderArgoString, type TagRenderer, usesLbrace } from './render-string.js';
import type { StepFields } from './step-fields.js';

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
  for (const f of o.fields) {
    const items = f.items;
    const tags: TagRenderer = { item: (path) => `inputs.parameters.${items?.inputName(path) ?? 'item'}` };
    const body = renderBody(o, f, tags);
    const inputs = items ? items.paths.map((p) => items.inputName(p)) : [];
    templates.push(
      containerTemplate({
        name: f.taskName,
        inputs,
        body,
        resources: f.step.resources,
        retry: f.step.retry,
        timeoutSeconds: f.step.timeoutSeconds,
        options: o.options,
        secrets: f.secrets,
        placement: f.placement,
      }),
    );
    const call: DagNode['body'] = { template: f.taskName };
    if (items) {
      call.arguments = { parameters: items.paths.map((p) => ({ name: items.inputName(p), value: `{{${items.tag(p)}}}` })) };
      call.withItems = items.withItems;
    }
    addCall({ fields: f, call, calls, templates, taken: o.taken });
  }
  return { calls, templates };
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
    const position = (slot: string, valueOf: (m: Member) => string, usesItem: (m: Member) => boolean): string => {
      const values = members.map(valueOf);
      if (values.every((v) => v === values[0]) && !members.some(usesItem)) return values[0] as string;
      inputs.push(slot);
      values.forEach((value, i) => perMember[i]?.push({ name: slot, value }));
      return `{{inputs.parameters.${slot}}}`;
    };
    const image = position('image', (m) => m.body.image, () => false);
    const argv = [...first.body.command, ...first.body.args].map((_, i) =>
      position(`arg-${i}`, (m) => [...m.body.command, ...m.body.args][i] as string, (m) => m.itemArgv[i] === true),
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

function groupByShape(o: LayoutOptions): Member[][] {
  const groups = new Map<string, Member[]>();
  for (const f of o.fields) {
    const items = f.items;
    const tags: TagRenderer = { item: (path) => items?.tag(path) ?? 'item' };
    const body = renderBody(o, f, tags);
    const member: Member = {
      fields: f,
      body,
      itemArgv: f.argv.map((s) => itemPathsOf(s).length > 0),
      itemEnv: f.env.map((e) => itemPathsOf(e.value).length > 0),
    };
    const shape: Json = {
      commandLength: f.commandLength,
      argv: f.argv.length,
      env: f.env.map((e) => e.name),
      lbrace: body.lbrace,
      resources: { ...f.step.resources },
      retry: f.step.retry ? { ...f.step.retry } : null,
      timeout: f.step.timeoutSeconds,
      // Secrets and placement stay in the template, so only steps that agree on them share one.
      secrets: f.secrets as unknown as Json,
      placement: f.placement as unknown as Json,
    };
    const key = canonicalJson(shape);
    const list = groups.get(key);
    if (list) list.push(member);
    else groups.set(key, [member]);
  }
  return [...groups.values()];
}

/** Renders a step's container strings with the given item tags. */
function renderBody(o: LayoutOptions, f: StepFields, tags: TagRenderer): ContainerBody {
  const render = (s: IRString) => renderArgoString(s, { flowName: o.ir.flow.name, stepId: f.step.id, tags });
  const argv = f.argv.map(render);
  const env = f.env.map((e) => {
    const param = isParamDefinition(e.name, e.value) ? (e.value[0] as { name: string }).name : null;
    return { name: e.name, value: param === null ? render(e.value) : paramExpression(param) };
  });
  return {
    image: f.step.image,
    command: argv.slice(0, f.commandLength),
    args: argv.slice(f.commandLength),
    env,
    lbrace: [...argv, ...env.map((e) => e.value)].some(usesLbrace),
  };
}

/** Records a step's call; a foreach step with `parallelism` gets a wrapper DAG template. */
function addCall(o: {
  fields: StepFields;
  call: DagNode['body'];
  calls: Map<string, DagNode['body']>;
  templates: Record<string, unknown>[];
  taken: Set<string>;
}): void {
  const parallelism = o.fields.step.foreach?.parallelism ?? null;
  if (parallelism === null) {
    o.calls.set(o.fields.step.id, o.call);
    return;
  }
  const name = uniqueName(`${o.fields.taskName}-items`, o.taken);
  const wrapper: DagTemplate = {
    name,
    parallelism,
    dag: { tasks: [{ name: o.fields.taskName, ...o.call }] },
  };
  o.templates.push(wrapper as unknown as Record<string, unknown>);
  o.calls.set(o.fields.step.id, { template: name });
}

/** How many foreach wrapper templates the flow needs. */
export function wrapperCount(fields: StepFields[]): number {
  return fields.filter((f) => (f.step.foreach?.parallelism ?? null) !== null).length;
}
