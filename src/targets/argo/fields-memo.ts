import type { IR, IRStep } from '../../ir/types.js';
import { canonicalJson } from '../../source/canonical-json.js';
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
  private readonly fields = new Map<string, StepFields>();
  private config: { values: object; json: string } | undefined;

  of(o: { ir: IR; step: IRStep; taskName: string; includeConfig: boolean; options: ArgoOptions }): StepFields {
    const key = `${o.includeConfig ? 1 : 0}${o.step.id}`;
    let f = this.fields.get(key);
    if (f === undefined || f.taskName !== o.taskName) {
      f = stepFields({ ir: o.ir, step: o.step, taskName: o.taskName, includeConfig: o.includeConfig, options: o.options, configJson: o.includeConfig ? this.configJson(o.ir) : undefined });
      this.fields.set(key, f);
    }
    return f;
  }

  /** The canonical JSON of the flow's config (FLOWC_CONFIG). */
  configJson(ir: IR): string {
    const values = ir.config.values;
    if (this.config?.values !== values) this.config = { values, json: canonicalJson(values) };
    return this.config.json;
  }
}
