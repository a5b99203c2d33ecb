import { ARGO_RUN_LIMITS } from './limits.js';
import { goJsonBytes } from './process-limits.js';

/**
 * How large a run of the WorkflowTemplate gets in the controller, which must store it within
 * MAX_WORKFLOW_SIZE (1 MiB by default; the WorkflowTemplate object itself may be 1.5 MiB).
 *
 * A run started from the template (`argo submit --from`, a CronWorkflow) is a Workflow that refers
 * to it; on its first reconcile the controller copies the template's whole `spec` into the run's
 * `status.storedWorkflowSpec` (workflow/controller/operator.go `setStoredWfSpec`) and the
 * template's `workflowMetadata` labels and annotations into its metadata. Every DAG, task group,
 * retry and pod adds a node to `status.nodes`; when the Workflow's JSON is over the limit the
 * controller compresses the nodes, and if it is still over, it cannot store the run
 * (workflow/packer/packer.go `CompressWorkflowIfNeeded`, workflow/hydrator/hydrator.go).
 *
 * The estimate: the spec and metadata as Go marshals them, a fixed allowance for the rest of the
 * run, and each node of a successful run compressed (ARGO_RUN_LIMITS).
 */
export function estimatedRunBytes(template: Record<string, any>): { bytes: number; nodes: number } {
  // A build is measured once to choose FLOWC_CONFIG and once to check it (build.ts): one serialization.
  const known = measured.get(template);
  if (known) return known;
  const size = measure(template);
  measured.set(template, size);
  return size;
}

const measured = new WeakMap<Record<string, any>, { bytes: number; nodes: number }>();

function measure(template: Record<string, any>): { bytes: number; nodes: number } {
  const nodes = nodeCount(template.spec);
  const meta = template.spec.workflowMetadata ?? {};
  const bytes =
    goJsonBytes(template.spec) +
    goJsonBytes(meta.labels ?? {}) +
    goJsonBytes(meta.annotations ?? {}) +
    ARGO_RUN_LIMITS.runOverheadBytes +
    nodes * ARGO_RUN_LIMITS.nodeStatusBytes;
  return { bytes, nodes };
}

/**
 * Nodes of a run in which every step succeeds at the first attempt: one per DAG template call,
 * one task group per `withItems` task, and per container call one pod plus one retry node when
 * the template has a retryStrategy. Each failed attempt adds one more.
 */
function nodeCount(spec: Record<string, any>): number {
  const templates = new Map<string, any>((spec.templates as any[]).map((t) => [t.name, t]));
  const memo = new Map<string, number>();
  const visit = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const t = templates.get(name);
    let n: number;
    if (t?.dag) {
      n = 1;
      for (const task of t.dag.tasks as any[]) {
        // A dynamic list's length is known only at run time: counted as one item.
        const group = Array.isArray(task.withItems) || task.withParam !== undefined;
        const runs = Array.isArray(task.withItems) ? task.withItems.length : 1;
        n += (group ? 1 : 0) + runs * visit(task.template);
      }
    } else {
      n = t?.retryStrategy ? 2 : 1;
    }
    memo.set(name, n);
    return n;
  };
  return visit(spec.entrypoint);
}
