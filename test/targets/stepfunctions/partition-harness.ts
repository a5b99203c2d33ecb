import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { DiagnosticBag } from '../../../src/diagnostics/diagnostic.js';
import { compileToIR } from '../../../src/pipeline/compile.js';
import type { IR } from '../../../src/ir/types.js';
import { compileInParts, type PartBudget } from '../../../src/targets/stepfunctions/child-machines.js';
import { buildSchedule, partitionEvidence, stepFunctionsTarget } from '../../../src/targets/stepfunctions/index.js';
import { STARTED_BY_KEY } from '../../../src/targets/stepfunctions/parent-machine.js';
import type { Artifact } from '../../../src/targets/target.js';
import type { RecoveredParts } from '../../helpers/partition-cover.js';
import { type RunResult, type TaskRecord, taskStates } from './helpers.js';

/** A flow's IR from its YAML text, as `flowc compile` builds it. */
export function irOf(text: string): IR {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-sfn-part-'));
  writeFileSync(join(dir, 'flow.yaml'), text);
  const r = compileToIR({ flowPath: 'flow.yaml', cwd: dir, configs: [], sets: [], env: {} } as never);
  if (!r.ir) throw new Error(`flow did not compile: ${JSON.stringify(r.diagnostics)}`);
  return r.ir;
}

/** The target's compile, with a smaller part budget when given. */
export function compileParts(ir: IR, budget?: PartBudget): { artifacts: Artifact[]; diagnostics: DiagnosticBag } {
  const diagnostics = new DiagnosticBag();
  const ctx = { diagnostics };
  const artifacts = budget
    ? (compileInParts(ir, ctx, { compile: (p, c) => stepFunctionsTarget.compile(p, c), schedule: buildSchedule, evidence: partitionEvidence }, budget) ?? stepFunctionsTarget.compile(ir, ctx))
    : stepFunctionsTarget.compile(ir, ctx);
  return { artifacts, diagnostics };
}

type Def = Record<string, any>;

/** The machine name a parent Task starts, read from its StateMachineArn expression. */
export function childNameOf(task: Def): string {
  const expr = String(task.Parameters['StateMachineArn.$']);
  const m = /:stateMachine:([A-Za-z0-9_-]+)'/.exec(expr);
  if (!m) throw new Error(`no child name in ${expr}`);
  return m[1] as string;
}

/** Step Tasks are named by step id; flowc's own states have a '-' (names.ts). */
const isStep = (name: string) => !name.includes('-');

interface Unit {
  first: string[];
  last: string[];
}

/**
 * Orderings a definition's structure imposes between the Task states `pick` selects, as pairs whose
 * transitive closure is that order: each unit of a chain before the next (its last Tasks before
 * the next unit's first), Parallel branches side by side, a Map's iteration as one unit.
 */
export function structureEdges(definition: Def, pick: (name: string, state: Def) => string | null): { nodes: string[]; edges: [string, string][] } {
  const nodes: string[] = [];
  const edges: [string, string][] = [];
  // A Batch DAG (dag: auto on a graph blocks cannot express, batch-dag.ts) submits every job in
  // turn without waiting; its order is each job's DependsOn, `$.jobs.<step>` of the jobs it needs.
  const tasks = [...taskStates(definition)].filter(([name, s]) => /:batch:submitJob$/.test(String(s.Resource)) && pick(name, s) !== null);
  if (tasks.length > 0) {
    for (const [name, s] of tasks) {
      const id = pick(name, s) as string;
      nodes.push(id);
      for (const m of String(s.Parameters?.['DependsOn.$'] ?? '').matchAll(/\$\.jobs\.([a-z][a-z0-9_]*)/g)) edges.push([m[1] as string, id]);
    }
    return { nodes, edges };
  }
  const unitOf = (name: string, s: Def): Unit | null => {
    if (s.Type === 'Task') {
      const id = pick(name, s);
      if (id === null) return null;
      nodes.push(id);
      return { first: [id], last: [id] };
    }
    if (s.Type === 'Map') return chain(s.ItemProcessor.StartAt, s.ItemProcessor.States);
    if (s.Type === 'Parallel') {
      const us = (s.Branches as Def[]).map((b) => chain(b.StartAt, b.States)).filter((u): u is Unit => u !== null);
      return us.length === 0 ? null : { first: us.flatMap((u) => u.first), last: us.flatMap((u) => u.last) };
    }
    return null;
  };
  const chain = (start: string, states: Def): Unit | null => {
    let first: string[] | null = null;
    let prev: string[] | null = null;
    let name: string | undefined = start;
    const seen = new Set<string>();
    while (name !== undefined && !seen.has(name)) {
      seen.add(name);
      const s: Def = states[name];
      const u = unitOf(name, s);
      if (u) {
        if (prev) for (const a of prev) for (const b of u.first) edges.push([a, b]);
        first ??= u.first;
        prev = u.last;
      }
      name = s.End ? undefined : s.Type === 'Choice' ? s.Default : s.Next;
    }
    return first && prev ? { first, last: prev } : null;
  };
  chain(definition.StartAt, definition.States);
  return { nodes, edges };
}

/** Parameter names a flowc machine declares: those its parameter check tests (parameters.ts). */
export function declaredParameters(definition: Def): string[] {
  const check = definition.States['flowc-check-parameters'];
  if (!check) return [];
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'Variable' && typeof x === 'string' && x.startsWith('$.params.')) out.add(x.slice('$.params.'.length));
        else visit(x);
      }
    }
  };
  visit(check.Choices);
  return [...out];
}

/**
 * What the written artifacts say (RecoveredParts), read from their text only: the parent is the
 * primary artifact; each child is the file of the machine a parent Task starts.
 */
export function recoverParts(artifacts: Artifact[], flowName: string): { recovered: RecoveredParts; parent: Def; children: Map<string, Def> } {
  const parent = JSON.parse((artifacts.find((a) => a.primary) as Artifact).contents) as Def;
  const children = new Map<string, Def>();
  const parentTasks = [...taskStates(parent).values()];
  const partOrder = structureEdges(parent, (_, s) => childNameOf(s));
  const parts: RecoveredParts['parts'] = parentTasks.map((task) => {
    const name = childNameOf(task);
    const file = artifacts.find((a) => a.path === `${name}.asl.json`);
    if (!file) throw new Error(`no artifact ${name}.asl.json (flow ${flowName})`);
    const def = JSON.parse(file.contents) as Def;
    children.set(name, def);
    const inside = structureEdges(def, (n) => (isStep(n) ? n : null));
    const passed = Object.keys(task.Parameters.Input)
      .filter((k) => k !== `${STARTED_BY_KEY}.$`)
      .map((k) => k.replace(/\.\$$/, ''));
    return { name, steps: inside.nodes, edges: inside.edges, parameters: declaredParameters(def), passed };
  });
  return { recovered: { parts, partEdges: partOrder.edges, parentParameters: declaredParameters(parent) }, parent, children };
}

export const ACCOUNT_CONTEXT = { region: 'us-east-1', account: '123456789012' };

/**
 * Runs the parent in aws-local-stepfunctions; each parent Task's handler runs the child it names in
 * another local StateMachine, whose Batch/ECS Tasks are recorded on one logical clock shared by
 * every machine (so `needs` across parts can be checked in time). `children` records each child
 * execution's request.
 */
export async function runPartitioned(o: { parent: Def; children: Map<string, Def>; input: unknown; runId: string; machine: string }): Promise<RunResult & { starts: Def[] }> {
  let clock = 0;
  const records: TaskRecord[] = [];
  const starts: Def[] = [];
  const arn = (kind: string, name: string) => `arn:aws:states:${ACCOUNT_CONTEXT.region}:${ACCOUNT_CONTEXT.account}:${kind}:${name}`;
  const stepHandlers = (def: Def) => {
    const handlers: Record<string, (input: any) => Promise<unknown>> = {};
    for (const name of taskStates(def).keys()) {
      let calls = 0;
      handlers[name] = async (taskInput: any) => {
        const start = ++clock;
        const n = calls++;
        await new Promise((r) => setTimeout(r, 1));
        records.push({ state: name, input: taskInput, start, end: ++clock });
        return { JobId: `job-${name}-${n}`, Status: 'SUCCEEDED' };
      };
    }
    return handlers;
  };
  const run = (def: Def, input: unknown, context: Def, handlers: Record<string, (input: any) => Promise<unknown>>) =>
    new StateMachine(structuredClone(def) as never, { validationOptions: { noValidate: true } }).run(input as never, { overrides: { taskResourceLocalHandlers: handlers }, context } as never).result;
  const parentHandlers: Record<string, (input: any) => Promise<unknown>> = {};
  for (const name of taskStates(o.parent).keys()) {
    parentHandlers[name] = async (req: Def) => {
      starts.push(req);
      const childName = String(req.StateMachineArn).split(':stateMachine:')[1] as string;
      const def = o.children.get(childName);
      if (!def) throw new Error(`the parent started ${req.StateMachineArn}, which no artifact defines`);
      const output = await run(def, req.Input, { Execution: { Name: req.Name, Id: `${arn('execution', childName)}:${req.Name}` }, StateMachine: { Id: req.StateMachineArn, Name: childName } }, stepHandlers(def));
      // What startExecution.sync:2 returns (DescribeExecution, Output as JSON); the parent drops it.
      return { ExecutionArn: `${arn('execution', childName)}:${req.Name}`, Status: 'SUCCEEDED', Output: output };
    };
  }
  try {
    const output = await run(o.parent, o.input, { Execution: { Name: o.runId, Id: `${arn('execution', o.machine)}:${o.runId}` }, StateMachine: { Id: arn('stateMachine', o.machine), Name: o.machine } }, parentHandlers);
    return { records, output, starts };
  } catch (e) {
    const cause = (e as { cause?: { name?: string; message?: string } }).cause;
    return { records, starts, error: { name: cause?.name ?? (e as Error).name, message: cause?.message ?? (e as Error).message } };
  }
}
