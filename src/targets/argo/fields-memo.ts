import type { IR, IRStep, IRString } from '../../ir/types.js';
import { configJson } from '../../ir/env.js';
import type { ArgoOptions } from './options.js';
import { type StepFields, stepFields } from './step-fields.js';

/**
 * What one compile of a flow computes per step only once: the process-limit checks, the whole
 * flow's build and every part's build (partition.ts) read the same fields of the same step, and
 * every step's FLOWC_CONFIG holds the same JSON (a 10,000-step flow with a 100 KiB config would
 * otherwise serialize a gigabyte of it).
 *
 * Valid for one flow: a part's IR is its flow's restricted to some steps (src/ir/partition.ts),
 * with the flow's name, config, targets and secrets, so a step's fields are the same in both. A
 * part's step may have fewer `needs`, which no field reads (the DAG takes needs from the IR). The
 * options may differ only in `ttlSecondsAfterFinished` (partition.ts `buildParts`), which no field
 * reads either.
 */
export class FieldsMemo {
  /** By step id, with FLOWC_CONFIG and without. */
  private readonly fields = [new Map<string, StepFields>(), new Map<string, StepFields>()] as const;
  private config: { values: object; json: IRString } | undefined;

  of(o: { ir: IR; step: IRStep; taskName: string; includeConfig: boolean; options: ArgoOptions }): StepFields {
    const byId = this.fields[o.includeConfig ? 0 : 1];
    let f = byId.get(o.step.id);
    if (f === undefined || f.taskName !== o.taskName) {
      f = stepFields({ ir: o.ir, step: o.step, taskName: o.taskName, includeConfig: o.includeConfig, options: o.options, configJson: o.includeConfig ? this.configJson(o.ir) : undefined });
      byId.set(o.step.id, f);
    }
    return f;
  }

  /** The canonical JSON of the flow's config (FLOWC_CONFIG). */
  configJson(ir: IR): IRString {
    const values = ir.config.values;
    // One IRString for every step, so that its rendering and size are computed once (render-string.ts, process-limits.ts).
    if (this.config?.values !== values) this.config = { values, json: [{ kind: 'lit', value: configJson(values) }] };
    return this.config.json;
  }
}
