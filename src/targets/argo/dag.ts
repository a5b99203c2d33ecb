import { ARGO_LIMITS } from './limits.js';
import { uniqueName } from './names.js';

/**
 * DAG templates that respect Argo's cap on tasks per DAG (https://argo-workflows.readthedocs.io/en/latest/walk-through/dag/).
 *
 * A flow with more steps than one DAG may hold is cut, in its topological order, into consecutive
 * chunks; each chunk becomes a nested DAG template run by one task of the level above. Edges inside
 * a chunk stay exact. An edge between chunks becomes a dependency between the two chunk tasks, so
 * every `needs` edge is still respected, but a step may start later than it could (it waits for
 * the whole chunk holding its need). Chunks follow the topological order, so chunk edges never
 * form a cycle. Levels repeat until the top level fits.
 */

/** One task before its dependencies are written: `body` holds `template`, `arguments`, `withItems`. */
export interface DagNode {
  name: string;
  /** Names of nodes at the same level that must finish first. */
  deps: string[];
  body: { template: string; arguments?: unknown; withItems?: unknown; withParam?: string };
}

export interface DagTemplate {
  name: string;
  parallelism?: number;
  dag: { tasks: Record<string, unknown>[] };
}

export interface NestedDag {
  /** Tasks of the entry DAG. */
  tasks: Record<string, unknown>[];
  /** Nested DAG templates, outermost level first. */
  groups: DagTemplate[];
  /** Leaf tasks that may start later than their needs allow because their group waits for more. */
  delayed: string[];
}

/** A group at one nesting level: its same-level dependencies and the leaf tasks inside it. */
interface GroupInfo {
  name: string;
  deps: string[];
  members: string[];
  children: string[];
}

/** A DAG task with a fixed key order: name, template, dependencies, arguments, withItems, withParam. */
export function dagTask(node: DagNode): Record<string, unknown> {
  const task: Record<string, unknown> = { name: node.name, template: node.body.template };
  if (node.deps.length > 0) task.dependencies = node.deps;
  if (node.body.arguments !== undefined) task.arguments = node.body.arguments;
  if (node.body.withItems !== undefined) task.withItems = node.body.withItems;
  if (node.body.withParam !== undefined) task.withParam = node.body.withParam;
  return task;
}

/** How many nested DAG templates `n` top-level tasks need. */
export function nestedGroupCount(n: number, max: number = ARGO_LIMITS.dagTasks): number {
  let total = 0;
  for (let level = n; level > max; level = Math.ceil(level / max)) total += Math.ceil(level / max);
  return total;
}

/**
 * Lays `nodes` (in topological order) out as an entry DAG plus nested group DAGs, each with at most
 * `max` tasks. Group names are chosen with `uniqueName` against `taken`.
 */
export function nestDag(options: { nodes: DagNode[]; taken: Set<string>; max?: number }): NestedDag {
  const max = options.max ?? ARGO_LIMITS.dagTasks;
  let nodes = options.nodes;
  const levels: DagTemplate[][] = [];
  const infos: GroupInfo[][] = [];
  const membersOf = new Map<string, string[]>(nodes.map((n) => [n.name, [n.name]]));
  while (nodes.length > max) {
    const chunks: DagNode[][] = [];
    for (let i = 0; i < nodes.length; i += max) chunks.push(nodes.slice(i, i + max));
    const chunkOf = new Map<string, number>();
    chunks.forEach((c, k) => c.forEach((n) => chunkOf.set(n.name, k)));
    const names = chunks.map((_, k) => uniqueName(`group-${k + 1}`, options.taken));
    const templates: DagTemplate[] = chunks.map((c, k) => ({
      name: names[k] as string,
      dag: { tasks: c.map((n) => dagTask({ ...n, deps: n.deps.filter((d) => chunkOf.get(d) === k) })) },
    }));
    nodes = chunks.map((c, k) => {
      const deps = new Set<number>();
      for (const n of c) for (const d of n.deps) if (chunkOf.get(d) !== k) deps.add(chunkOf.get(d) as number);
      return {
        name: names[k] as string,
        deps: [...deps].sort((a, b) => a - b).map((i) => names[i] as string),
        body: { template: names[k] as string },
      };
    });
    infos.push(
      nodes.map((n, k) => {
        const children = (chunks[k] as DagNode[]).map((c) => c.name);
        const members = children.flatMap((c) => membersOf.get(c) ?? []);
        membersOf.set(n.name, members);
        return { name: n.name, deps: n.deps, members, children };
      }),
    );
    levels.push(templates);
  }
  return { tasks: nodes.map(dagTask), groups: levels.reverse().flat(), delayed: delayedLeaves(options.nodes, infos) };
}

/**
 * The leaves whose group makes them wait for a leaf that is not one of their needs (direct or
 * transitive). A leaf waits for everything its enclosing groups wait for; a group waits for its
 * dependencies, all they contain and all they waited for.
 */
function delayedLeaves(leaves: DagNode[], levels: GroupInfo[][]): string[] {
  if (levels.length === 0) return [];
  const bit = new Map<string, bigint>(leaves.map((n, i) => [n.name, 1n << BigInt(i)]));
  const ancestors = new Map<string, bigint>();
  for (const n of leaves) {
    let a = 0n;
    for (const d of n.deps) a |= (ancestors.get(d) ?? 0n) | (bit.get(d) ?? 0n);
    ancestors.set(n.name, a);
  }
  const membersBits = (g: GroupInfo) => g.members.reduce((acc, m) => acc | (bit.get(m) ?? 0n), 0n);
  const waitOf = new Map<string, bigint>();
  const parentWait = new Map<string, bigint>();
  // Top level first, so a group inherits what its parent waits for.
  for (const level of [...levels].reverse()) {
    const byName = new Map(level.map((g) => [g.name, g]));
    for (const g of level) {
      let w = parentWait.get(g.name) ?? 0n;
      for (const d of g.deps) w |= membersBits(byName.get(d) as GroupInfo) | (waitOf.get(d) ?? 0n);
      waitOf.set(g.name, w);
      for (const c of g.children) parentWait.set(c, w);
    }
  }
  return leaves.filter((n) => ((parentWait.get(n.name) ?? 0n) & ~(ancestors.get(n.name) ?? 0n)) !== 0n).map((n) => n.name);
}
