import type { IR, IRParameter, IRStep } from '../ir/types.js';
import { stepTargetOptions } from '../ir/step-options.js';
import type { Json } from '../source/tree.js';
import type { LimitsTable } from '../targets/limits.js';
import { optionReader } from '../targets/options.js';
import { cappedRetry } from '../targets/retry.js';

/**
 * What a template sees: the IR (schemas/ir.schema.json), made total for strict mode, plus the
 * target's options. Strict mode makes a missing field an error, so the optional IR fields of a
 * parameter (`default`, `enum`, `description`) are present as null when absent (with
 * `hasDefault`), and each step carries the options it runs with (`options`: its overrides merged
 * over the flow's, schema defaults filled in). Retry waits are already capped at the template's
 * `limits.retryDelay`, as every code target caps them (src/targets/retry.ts).
 */
export interface TemplateView {
  irVersion: number;
  flowcVersion: string;
  flow: IR['flow'];
  config: IR['config'];
  parameters: (Omit<IRParameter, 'default' | 'enum' | 'description'> & { hasDefault: boolean; default: Json; enum: Json; description: Json })[];
  schedule: IR['schedule'];
  steps: (IRStep & { options: Json })[];
  edges: IR['edges'];
  secrets: IR['secrets'];
  /** The flow's options for this target, schema defaults filled in ({} without a schema). */
  options: Json;
  target: { id: string; file: string };
}

export interface ViewRequest {
  ir: IR;
  targetId: string;
  file: string;
  optionsSchema: object | null;
  limits: LimitsTable | null;
}

export function buildView(req: ViewRequest): TemplateView {
  const { ir, targetId } = req;
  const read = req.optionsSchema ? optionReader<Json>(req.optionsSchema) : (raw: Json | undefined) => structuredClone(raw ?? {});
  // A JSON copy: a template can never reach the IR objects (or their prototypes) the pipeline holds.
  const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  return copy({
    irVersion: ir.irVersion,
    flowcVersion: ir.flowcVersion,
    flow: ir.flow,
    config: ir.config,
    parameters: ir.parameters.map((p) => ({
      ...p,
      hasDefault: p.default !== undefined,
      default: p.default ?? null,
      enum: p.enum ?? null,
      description: p.description ?? null,
    })),
    schedule: ir.schedule,
    steps: ir.steps.map((s) => ({
      ...s,
      retry: s.retry && req.limits ? cappedRetry(s.retry, req.limits) : s.retry,
      options: read(stepTargetOptions(ir, s, targetId)),
    })),
    edges: ir.edges,
    secrets: ir.secrets,
    options: read(Object.hasOwn(ir.targets, targetId) ? ir.targets[targetId] : undefined),
    target: { id: targetId, file: req.file },
  });
}
