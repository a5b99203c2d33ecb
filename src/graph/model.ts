import type { IR, IRForeach, IRResources, IRStep } from '../ir/types.js';
import { addedEdges } from './added-edges.js';

/**
 * What `flowc graph` draws, independent of the output format: steps with their resources and
 * fan-out, the flow's edges, the orderings a target's lowering added, and a legend. Every string
 * here is plain text (user text included); each writer escapes it for its own syntax.
 */
export interface GraphModel {
  name: string;
  description: string | null;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Lines of the legend: parameters, schedule, what dashed edges mean. */
  legend: string[];
}

export interface GraphNode {
  id: string;
  /** Lines under the step id: resources, then fan-out. */
  details: string[];
  /** True for a foreach step (drawn as a stack). */
  fanOut: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** `flow`: a `needs` edge; `added`: an ordering the target's lowering added (drawn dashed). */
  kind: 'flow' | 'added';
}

/** The lowering a target applied: its engine's name and the pairs it made wait. */
export interface GraphLowering {
  engine: string;
  addedOrderings: [string, string][];
}

export function buildGraph(ir: IR, lowering: GraphLowering | null): GraphModel {
  const nodes = ir.steps.map((s) => ({ id: s.id, details: stepDetails(s), fanOut: s.foreach !== null }));
  const edges: GraphEdge[] = ir.edges.map(([from, to]) => ({ from, to, kind: 'flow' }));
  const added = lowering ? addedEdges(ir, lowering.addedOrderings) : [];
  edges.push(...added.map(([from, to]) => ({ from, to, kind: 'added' as const })));
  return { name: ir.flow.name, description: ir.flow.description, nodes, edges, legend: legend(ir, lowering, added.length) };
}

function stepDetails(step: IRStep): string[] {
  const out = [resourcesText(step.resources)];
  if (step.foreach) out.push(foreachText(step.foreach));
  return out;
}

export function resourcesText(r: IRResources): string {
  const parts = [`${cpuText(r.cpuMillis)} CPU`, memoryText(r.memoryMiB)];
  if (r.gpu > 0) parts.push(`${r.gpu} GPU`);
  return parts.join(', ');
}

function cpuText(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

function memoryText(mib: number): string {
  return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

export function foreachText(f: IRForeach): string {
  const count = f.from ? `dynamic: steps.${f.from.step}.outputs.${f.from.output}` : `${f.items.length} item${f.items.length === 1 ? '' : 's'}`;
  return `foreach ${count}${f.parallelism === null ? '' : `, ${f.parallelism} at once`}`;
}

function legend(ir: IR, lowering: GraphLowering | null, added: number): string[] {
  const out: string[] = [];
  if (ir.flow.description) out.push(ir.flow.description);
  for (const p of ir.parameters) {
    const value = p.default === undefined ? ' (required)' : ` = ${JSON.stringify(p.default)}`;
    const choices = p.enum ? ` one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}` : '';
    out.push(`param ${p.name}: ${p.type}${value}${choices}${p.description ? ` (${p.description})` : ''}`);
  }
  if (ir.schedule) out.push(`schedule: ${ir.schedule.cron} ${ir.schedule.timezone ?? 'UTC'}`);
  if (lowering) {
    out.push(
      added === 0
        ? `${lowering.engine}: the lowering keeps the flow's order exactly`
        : `dashed: ${lowering.addedOrderings.length} ordering${lowering.addedOrderings.length === 1 ? '' : 's'} the ${lowering.engine} lowering added`,
    );
  }
  return out;
}
