import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import type { IR } from '../../../src/ir/types.js';

const schema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../schemas/targets/gcp-workflows.schema.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, strictRequired: false }).compile(schema);

/** Schema errors of a definition (empty when valid). */
export function schemaErrors(yaml: string): string[] {
  const doc = parse(yaml, { version: '1.1' }) as unknown;
  if (validate(doc)) return [];
  return (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

type Steps = Record<string, Record<string, unknown>>[];

/**
 * Walks `main` as the engine would order it and checks the structure against the IR: every flow
 * step is called exactly once, and for every needs edge a -> b, a's call finishes before b's call
 * can start (a is earlier in a step list that b's call belongs to, never in a sibling branch).
 */
export function structureProblems(ir: IR, yaml: string): string[] {
  const doc = parse(yaml, { version: '1.1' }) as Record<string, { steps: Steps }>;
  const problems: string[] = [];
  const preds = new Map<string, Set<string>>();
  const count = new Map<string, number>();

  // Returns the flow steps called inside `steps`, given the steps guaranteed done before it.
  const walk = (steps: Steps, before: Set<string>): Set<string> => {
    const done = new Set(before);
    const inside = new Set<string>();
    for (const s of steps) {
      const body = Object.values(s)[0] as Record<string, unknown>;
      // An exact DAG schedule (dag-scheduler.ts) goes past a wait only once its need has finished.
      const need = waitedNeed(body);
      if (need !== null) {
        done.add(need);
        continue;
      }
      const here = walkStep(body, done);
      for (const id of here) {
        done.add(id);
        inside.add(id);
      }
    }
    return inside;
  };
  const walkStep = (body: Record<string, unknown>, before: Set<string>): Set<string> => {
    if (body.call === 'flowc_step') {
      const id = (body.args as Record<string, unknown>).step as string;
      count.set(id, (count.get(id) ?? 0) + 1);
      preds.set(id, new Set(before));
      return new Set([id]);
    }
    if (body.parallel) {
      const p = body.parallel as Record<string, unknown>;
      if (p.for) return walk((p.for as { steps: Steps }).steps, before);
      const out = new Set<string>();
      for (const b of p.branches as Record<string, { steps: Steps }>[]) for (const id of walk((Object.values(b)[0] as { steps: Steps }).steps, before)) out.add(id);
      return out;
    }
    if (body.for) return walk((body.for as { steps: Steps }).steps, before);
    if (body.steps) return walk(body.steps as Steps, before);
    if (body.try && (body.try as { steps?: Steps }).steps) return walk((body.try as { steps: Steps }).steps, before);
    if (body.switch) {
      const out = new Set<string>();
      for (const c of body.switch as { steps?: Steps }[]) for (const id of walk(c.steps ?? [], before)) out.add(id);
      return out;
    }
    return new Set();
  };
  walk((doc.main as { steps: Steps }).steps, new Set());
  for (const s of ir.steps) {
    const n = count.get(s.id) ?? 0;
    if (n !== 1) problems.push(`step ${s.id} is called ${n} times in main`);
  }
  // Guarantees compose: what is done before a step done before b is done before b too (a DAG
  // schedule waits only for needs not already implied; the block structures list them all anyway).
  const before = (b: string, seen = new Set<string>()): Set<string> => {
    for (const c of preds.get(b) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      before(c, seen);
    }
    return seen;
  };
  // A worker pool (dag-pool.ts) orders steps at run time, by the dispatcher's tables: those are what
  // the text can show; the order itself is checked by executing it (helpers.ts, checkExecution).
  if (holdsPool(doc)) return [...problems, ...poolTableProblems(ir, yaml)];
  for (const [a, b] of ir.edges) if (!before(b).has(a)) problems.push(`edge ${a} -> ${b} is not enforced by the structure`);
  return problems;
}

function holdsPool(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(holdsPool);
  if (node === null || typeof node !== 'object') return false;
  return Object.hasOwn(node, 'flowc_left') || Object.values(node).some(holdsPool);
}

/** The dispatcher's tables against the flow: each step's count of needs, and who counts down at its end. */
export function poolTableProblems(ir: IR, yaml: string): string[] {
  const counts: Record<string, number> = {};
  const down = new Map<string, string[]>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (o.flowc_left && typeof o.flowc_left === 'object') Object.assign(counts, o.flowc_left);
    const m = typeof o.condition === 'string' ? /^\$\{flowc_done == "([a-z0-9_]+)"\}$/.exec(o.condition) : null;
    if (m) {
      const keys = JSON.stringify(o.steps).matchAll(/"flowc_left\[\\"([a-z0-9_]+)\\"\]":"\$\{flowc_left\[\\"([a-z0-9_]+)\\"\] - 1\}"/g);
      down.set(m[1] as string, [...keys].filter((k) => k[1] === k[2]).map((k) => k[1] as string).sort());
    }
    Object.values(o).forEach(visit);
  };
  visit(parse(yaml, { version: '1.1' }));
  const problems: string[] = [];
  for (const s of ir.steps) if (counts[s.id] !== new Set(s.needs).size) problems.push(`${s.id}: counts ${counts[s.id]} needs, has ${new Set(s.needs).size}`);
  for (const s of ir.steps) {
    const want = ir.steps.filter((t) => t.needs.includes(s.id)).map((t) => t.id).sort();
    const got = down.get(s.id) ?? [];
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${s.id}: counts down ${got.join(',')}, dependants ${want.join(',')}`);
  }
  return problems;
}

/** The need a DAG-schedule wait goes past only once finished: `map.get(flowc_finished, "a") == true` with a next jump. */
function waitedNeed(body: Record<string, unknown>): string | null {
  const first = Array.isArray(body.switch) ? (body.switch[0] as { condition?: unknown; next?: unknown }) : null;
  if (!first || typeof first.next !== 'string' || typeof first.condition !== 'string') return null;
  const m = /^\$\{map\.get\(flowc_finished, "([a-z][a-z0-9_]*)"\) == true\}$/.exec(first.condition);
  return m ? (m[1] as string) : null;
}
