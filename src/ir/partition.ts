import { stepOutputRefs } from './shell.js';
import type { IR, IRStep } from './types.js';
import { sortSmall } from './sort-small.js';

/**
 * Splitting a flow that exceeds an engine's limits into parts: a workflow of workflows (issue 19,
 * docs/partitioning.md). Each part is an IR of its own that a target compiles as it compiles any
 * flow; the target then writes a parent that runs the parts in the order `FlowPart.needs` gives.
 *
 * Parts are consecutive runs of one topological order, so every edge between parts goes from a
 * lower index to a higher one and the parts' own graph is acyclic by construction. The order is
 * depth-first (a step's successors are placed as soon as they become ready, most recent first), so
 * a chain or an independent branch of the flow stays in one part and independent branches tend to
 * land in parts that do not wait for each other. Parts are balanced: the flow is cut into as few
 * parts as the limits allow, each near the same weight. O(V + E).
 */

export interface PartitionLimits {
  /** The most steps one part may hold. */
  maxSteps: number;
  /**
   * The estimated size of a step in a part's artifact (bytes, states, jobs: whatever the target
   * bounds), and the most one part may weigh. Absent: every step weighs 1 and only maxSteps counts.
   */
  weight?: (step: IRStep) => number;
  maxWeight?: number;
  /** The flow name of part `index` (0-based), as the target will deploy it. */
  name: (index: number) => string;
}

export interface FlowPart {
  /** 0-based; parts are numbered in an order where every part comes after the parts it needs. */
  index: number;
  /** The part as a flow of its own (see `partIR`). */
  ir: IR;
  /** Indices of the parts holding a need of one of this part's steps, ascending. */
  needs: number[];
}

export interface Partition {
  parts: FlowPart[];
  /** Part index of each step id. */
  partOf: Map<string, number>;
  /** Every `needs` edge whose ends are in different parts: the parent carries these as part order. */
  crossEdges: [string, string][];
  /**
   * Step outputs read across parts (`${steps.<producer>.outputs.<name>}` or a `foreach.from` in
   * another part). A part's own IR no longer holds the producer, so a target either carries the
   * value through its parent or refuses the flow.
   */
  crossOutputReads: { reader: string; producer: string; output: string }[];
}

/** True when `partitionFlow` would make more than one part. */
export function exceedsPartLimits(ir: IR, limits: Omit<PartitionLimits, 'name'>): boolean {
  if (ir.steps.length > limits.maxSteps) return true;
  if (!limits.weight || limits.maxWeight === undefined) return false;
  let total = 0;
  for (const s of ir.steps) {
    total += limits.weight(s);
    if (total > limits.maxWeight) return true;
  }
  return false;
}

/** A depth-first topological order of the flow's steps (indices into `ir.steps`). */
export function depthFirstOrder(ir: IR): number[] {
  const n = ir.steps.length;
  const index = new Map(ir.steps.map((s, i) => [s.id, i]));
  const indegree = new Int32Array(n);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [from, to] of ir.edges) {
    const a = index.get(from);
    const b = index.get(to);
    if (a === undefined || b === undefined) continue;
    (out[a] as number[]).push(b);
    indegree[b] = (indegree[b] as number) + 1;
  }
  for (const o of out) sortSmall(o);
  // A stack: the last step that became ready runs next, so a branch is followed to its end before
  // the next one starts. Pushed in reverse so that, among steps ready together, the one written
  // first comes first.
  const stack: number[] = [];
  for (let i = n - 1; i >= 0; i--) if (indegree[i] === 0) stack.push(i);
  const order: number[] = [];
  while (stack.length > 0) {
    const i = stack.pop() as number;
    order.push(i);
    const succ = out[i] as number[];
    for (let k = succ.length - 1; k >= 0; k--) {
      const j = succ[k] as number;
      indegree[j] = (indegree[j] as number) - 1;
      if (indegree[j] === 0) stack.push(j);
    }
  }
  return order;
}

/**
 * Cuts the flow into parts within `limits`. A flow within them comes back as one part holding the
 * whole flow (with the name `limits.name(0)`). Throws when a single step alone outweighs
 * `maxWeight`: the target must refuse that step with its own diagnostic before partitioning.
 */
export function partitionFlow(ir: IR, limits: PartitionLimits): Partition {
  if (!(limits.maxSteps >= 1)) throw new Error(`partitionFlow: maxSteps must be at least 1, got ${limits.maxSteps}`);
  const order = depthFirstOrder(ir);
  const weightOf = (i: number): number => (limits.weight ? limits.weight(ir.steps[i] as IRStep) : 1);
  const maxWeight = limits.weight && limits.maxWeight !== undefined ? limits.maxWeight : Number.POSITIVE_INFINITY;
  const weights = order.map(weightOf);
  let total = 0;
  weights.forEach((w, k) => {
    if (w > maxWeight) throw new Error(`partitionFlow: step '${(ir.steps[order[k] as number] as IRStep).id}' alone weighs ${w}, over the part limit of ${maxWeight}`);
    total += w;
  });
  // As few parts as the limits allow, each aimed at an equal share of what is left, so that
  // steps growing heavier along the order do not leave a stub part at the end.
  const bySteps = Math.ceil(order.length / limits.maxSteps);
  const byWeight = Number.isFinite(maxWeight) ? Math.ceil(total / maxWeight) : 1;
  const minParts = Math.max(1, bySteps, byWeight);
  const groups: number[][] = [];
  let current: number[] = [];
  let currentWeight = 0;
  let leftSteps = order.length;
  let leftWeight = total;
  const shares = (): { steps: number; weight: number } => {
    const partsLeft = Math.max(1, minParts - groups.length);
    // Only the limit that decides the number of parts is shared out; the other stays a cap.
    return {
      steps: bySteps === minParts ? Math.min(limits.maxSteps, Math.ceil(leftSteps / partsLeft)) : limits.maxSteps,
      weight: byWeight === minParts ? Math.min(maxWeight, leftWeight / partsLeft) : maxWeight,
    };
  };
  let share = shares();
  order.forEach((i, k) => {
    const w = weights[k] as number;
    const full = current.length >= share.steps || currentWeight + w > share.weight + 1e-9;
    // The shares may leave a remainder; the hard limits are never crossed.
    const over = current.length + 1 > limits.maxSteps || currentWeight + w > maxWeight;
    if (current.length > 0 && (full || over)) {
      groups.push(current);
      leftSteps -= current.length;
      leftWeight -= currentWeight;
      current = [];
      currentWeight = 0;
      share = shares();
    }
    current.push(i);
    currentWeight += w;
  });
  if (current.length > 0 || groups.length === 0) groups.push(current);

  const partOf = new Map<string, number>();
  groups.forEach((g, p) => {
    for (const i of g) partOf.set((ir.steps[i] as IRStep).id, p);
  });
  const crossEdges: [string, string][] = [];
  const needSets = groups.map(() => new Set<number>());
  const innerEdges: [string, string][][] = groups.map(() => []);
  for (const edge of ir.edges) {
    const a = partOf.get(edge[0]);
    const b = partOf.get(edge[1]);
    if (a === undefined || b === undefined) continue;
    if (a === b) {
      (innerEdges[a] as [string, string][]).push(edge);
      continue;
    }
    crossEdges.push(edge);
    (needSets[b] as Set<number>).add(a);
  }
  const crossOutputReads: Partition['crossOutputReads'] = [];
  for (const step of ir.steps) {
    const p = partOf.get(step.id);
    // Made at the first read across parts: most steps read no output at all.
    let seen: Set<string> | undefined;
    for (const ref of stepOutputRefs(step)) {
      if (partOf.get(ref.step) === p) continue;
      const key = `${ref.step}\0${ref.output}`;
      if (seen?.has(key)) continue;
      (seen ??= new Set()).add(key);
      crossOutputReads.push({ reader: step.id, producer: ref.step, output: ref.output });
    }
  }
  // Built from each part's own steps and edges: filtering the whole flow once per part would be
  // O(parts x steps).
  const parts = groups.map((g, index) => ({
    index,
    ir: restrict(ir, [...g].sort((x, y) => x - y).map((i) => ir.steps[i] as IRStep), innerEdges[index] as [string, string][], limits.name(index)),
    needs: [...(needSets[index] as Set<number>)].sort((x, y) => x - y),
  }));
  return { parts, partOf, crossEdges, crossOutputReads };
}

/**
 * The flow restricted to `stepIds`, as a flow named `name`: its steps keep the flow's order and
 * every field, but lose the needs outside the part (the parent orders the parts); the edges are
 * the ones inside the part; every parameter stays (the parent passes each one on, so `${params.x}`
 * reads the same value in every part); secrets are those the part's steps use; there is no
 * schedule (only the parent is scheduled). Config, targets and provenance are the flow's.
 */
export function partIR(ir: IR, stepIds: ReadonlySet<string>, name: string): IR {
  return restrict(
    ir,
    ir.steps.filter((s) => stepIds.has(s.id)),
    ir.edges.filter(([a, b]) => stepIds.has(a) && stepIds.has(b)),
    name,
  );
}

/** `partIR` given the part's steps (in the flow's order) and its inner edges (in the flow's order). */
function restrict(ir: IR, members: IRStep[], edges: [string, string][], name: string): IR {
  const ids = new Set(members.map((s) => s.id));
  const steps = members.map((s) => (s.needs.every((n) => ids.has(n)) ? s : { ...s, needs: s.needs.filter((n) => ids.has(n)) }));
  const usedSecrets = new Set(steps.flatMap((s) => s.secretEnv.map((e) => e.secret)));
  return {
    ...ir,
    flow: { ...ir.flow, name },
    schedule: null,
    steps,
    edges,
    secrets: ir.secrets.filter((s) => usedSecrets.has(s.name)),
  };
}
