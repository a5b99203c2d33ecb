import type { IR, IROutputRef, IROutputType, IRStep, IRString } from '../../ir/types.js';
import { type WStep, wstep } from './batch-job.js';
import { expr, quote, RUN_ID_VAR } from './render-string.js';

/**
 * Step outputs on Cloud Workflows. A Batch container cannot hand a value back to the workflow, so
 * outputs go through Cloud Storage, under the `datastore` option (`gs://bucket/prefix`):
 *
 *   <prefix>/<flow name>/<run id>/<step id>/<output>               a plain step
 *   <prefix>/<flow name>/<run id>/<step id>/<task index>/<output>  a foreach task (0-based, item order)
 *
 * Writing: the job mounts the bucket as a Batch Cloud Storage volume (`taskSpec.volumes[].gcs`,
 * https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#GCS), which
 * Batch mounts into the container at the same path when the container names no volumes
 * (https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#Container), so
 * `$FLOWC_OUTPUTS` is a folder of the bucket and the image needs no storage client. The step runs
 * inside a shell wrapper that checks the files (output-wrapper.ts).
 *
 * Reading: just before a step that uses outputs, `flowc_read` fetches each value with the Cloud
 * Storage connector (`googleapis.storage.v1.objects.get`, `alt: media`,
 * https://cloud.google.com/workflows/docs/reference/googleapis/storage/v1/objects/get) into a
 * variable of that step's own, so no parallel branch assigns another's. A foreach producer's values
 * are collected in item order by `flowc_collect`.
 */

/** Where Batch mounts the datastore bucket in the job's VM and container (Batch's own examples use /mnt/disks). */
export const MOUNT_PATH = '/mnt/disks/flowc-datastore';
export const READ_SUBWORKFLOW = 'flowc_read';
export const COLLECT_SUBWORKFLOW = 'flowc_collect';
export const STORAGE_GET = 'googleapis.storage.v1.objects.get';
/** The variable in `main` holding the wrapper script (output-wrapper.ts), read by every call that wraps. */
export const WRAPPER_VAR = 'flowc_wrapper';

export interface Datastore {
  bucket: string;
  /** The object prefix, without leading or trailing `/`; '' for the bucket's root. */
  prefix: string;
}

/** `gs://bucket/prefix` (the option's schema checked its form). */
export function parseDatastore(url: string): Datastore {
  const rest = url.slice('gs://'.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  return slash < 0 ? { bucket: rest, prefix: '' } : { bucket: rest.slice(0, slash), prefix: rest.slice(slash + 1) };
}

/** `<prefix>/<flow name>/`: the part of every object name fixed at compile time. */
export function flowBase(store: Datastore, flowName: string): string {
  return `${store.prefix === '' ? '' : `${store.prefix}/`}${flowName}/`;
}

/**
 * Every step output the step reads: in its run script, argv and env, and a dynamic foreach's list.
 * Of its whole environment (stepEnv) only the user's env can hold an output: the FLOWC_* values
 * never do, and each variable a run script gets (stepShellScript) is one part of the script,
 * which is read first. So neither is built here (a check on every step of every compile).
 */
export function outputRefs(_ir: IR, step: IRStep): IROutputRef[] {
  const strings: IRString[] = step.exec.kind === 'run' ? [step.exec.script] : [...step.exec.argv];
  for (const v of step.env) strings.push(v.value);
  const out: IROutputRef[] = [];
  const add = (r: IROutputRef): void => {
    if (!out.some((o) => o.step === r.step && o.output === r.output)) out.push({ step: r.step, output: r.output });
  };
  for (const s of strings) for (const p of s) if (p.kind === 'output') add(p);
  if (step.foreach?.from) add(step.foreach.from);
  return out;
}

/** True when any step declares or reads outputs: the flow then needs a datastore. */
export function usesOutputs(ir: IR): boolean {
  return ir.steps.some((s) => s.outputs.length > 0 || outputRefs(ir, s).length > 0);
}

export const outputKey = (r: IROutputRef): string => `${r.step}\u0000${r.output}`;

/** One value a step reads, in the variable `variable`. */
export interface ReadValue {
  ref: IROutputRef;
  type: IROutputType;
  /** The producer is a foreach step: the value is the list of its tasks' values. */
  collected: boolean;
  variable: string;
}

export interface ReadPlan {
  /** The values in the order they are read: a dynamic foreach producer's item list before its values. */
  values: ReadValue[];
  /** The steps that read them (empty when the step reads no output). */
  steps: WStep[];
  /** Reads of single objects and collections. */
  reads: number;
  /** Collections, each with its producer's item count (the `maxDynamicItems` bound for a dynamic one). */
  collections: number[];
  /** Steps the reads take when they succeed (budget.ts), a dynamic producer counted at `maxDynamicItems` tasks. */
  cost: number;
}

/** The variable holding the `n`th value step `id` reads: one per reading step, so parallel branches never share one. */
export const valueVar = (id: string, n: number): string => `flowc_in_${id}_${n}`;

/**
 * The steps that read every output `step` uses into variables of its own, and the variables. A
 * foreach producer's values are collected over its task count: known at compile time for a static
 * list, the length of its list (read first) for a dynamic one.
 */
export function readPlan(ir: IR, step: IRStep, maxDynamicItems: number): ReadPlan {
  const values: ReadValue[] = [];
  const steps: WStep[] = [];
  const collections: number[] = [];
  let reads = 0;
  let cost = 0;
  const need = (ref: IROutputRef): ReadValue => {
    const have = values.find((v) => outputKey(v.ref) === outputKey(ref));
    if (have) return have;
    const producer = ir.steps.find((s) => s.id === ref.step) as IRStep;
    const type = producer.outputs.find((o) => o.name === ref.output)?.type ?? 'string';
    const foreach = producer.foreach;
    let count: string | number | null = null;
    if (foreach?.from) count = expr(`len(${need(foreach.from).variable})`);
    else if (foreach) count = foreach.items.length;
    const variable = valueVar(step.id, values.length);
    const value: ReadValue = { ref, type, collected: foreach !== null, variable };
    values.push(value);
    reads++;
    const name = `get_${step.id}_${values.length - 1}`;
    if (count === null) {
      steps.push(wstep(name, { call: READ_SUBWORKFLOW, args: { step: ref.step, output: ref.output, type }, result: variable }));
      cost += readSteps(type);
    } else {
      const n = foreach?.from ? maxDynamicItems : (count as number);
      collections.push(n);
      cost += collectSteps(type, n);
      steps.push(wstep(name, { call: COLLECT_SUBWORKFLOW, args: { step: ref.step, output: ref.output, type, count }, result: variable }));
    }
    return value;
  };
  for (const ref of outputRefs(ir, step)) need(ref);
  return { values, steps, reads, collections, cost };
}

/** The Workflows code that renders a value read into `v` as text (design: string as is, json as JSON text). */
export function valueCode(v: ReadValue): string {
  return v.type === 'string' && !v.collected ? v.variable : `json.encode_to_string(${v.variable})`;
}

/**
 * The checks before a dynamic foreach starts a task: the value must be a JSON list, of at most
 * `maxDynamicItems` elements (what the limit estimates counted). Either failure stops the run
 * naming the step.
 */
export function dynamicListCheck(step: IRStep, list: ReadValue, maxDynamicItems: number): WStep {
  const from = `steps.${list.ref.step}.outputs.${list.ref.output}`;
  const v = list.variable;
  return wstep(`check_${step.id}`, {
    switch: [
      {
        condition: expr(`get_type(${v}) != "list"`),
        steps: [wstep(`not_list_${step.id}`, { raise: expr(`${quote(`flowc: step '${step.id}': its foreach value ${from} is not a JSON list but a `)} + get_type(${v})`) })],
      },
      {
        condition: expr(`len(${v}) > ${maxDynamicItems}`),
        steps: [
          wstep(`too_many_${step.id}`, {
            raise: expr(`${quote(`flowc: step '${step.id}': its foreach value ${from} has `)} + string(len(${v})) + ${quote(` items, over maxDynamicItems (${maxDynamicItems})`)}`),
          }),
        ],
      },
    ],
  });
}

/** `FLOWC_OUTPUTS` of a step's job: its folder of the mounted bucket; a foreach task's has its index. */
export function outputsDir(store: Datastore, flowName: string, stepId: string, foreach: boolean, indexVar: string): string {
  const base = `${MOUNT_PATH}/${flowBase(store, flowName)}`;
  return expr(`${quote(base)} + ${RUN_ID_VAR} + ${quote(`/${stepId}`)}${foreach ? ` + "/" + string(${indexVar})` : ''}`);
}

/** The Batch volume that mounts the datastore bucket. */
export function datastoreVolume(store: Datastore): Record<string, unknown> {
  return { gcs: { remotePath: store.bucket }, mountPath: MOUNT_PATH };
}

const when = (condition: string, steps: WStep[]): Record<string, unknown> => ({ condition: expr(condition), steps });
const assign = (...pairs: [string, unknown][]): Record<string, unknown> => ({ assign: pairs.map(([k, v]) => ({ [k]: v })) });

/**
 * `flowc_read(step, output, type, index)`: one output value from the datastore. `alt: media`
 * returns the object's data: bytes, which `text.decode` turns into text
 * (https://cloud.google.com/workflows/docs/reference/googleapis/storage/v1/objects/get), or, for
 * an object whose content type is `application/json`, the parsed value (the connectors decode a
 * JSON response: https://cloud.google.com/workflows/docs/reference/googleapis). A `json` value in
 * text is parsed with `json.decode` (https://cloud.google.com/workflows/docs/reference/stdlib/json/decode).
 * A missing object (HTTP 404) and text that is not JSON stop the run naming step and output.
 */
export function readSubworkflow(store: Datastore, flowName: string): Record<string, unknown> {
  const who = `"flowc: step '" + step + "'" + if(index == null, "", " task " + string(index)) + ": output '" + output + "'"`;
  return {
    params: ['step', 'output', 'type', { index: null }],
    steps: [
      wstep(
        'flowc_read_name',
        assign([
          'object',
          expr(`${quote(flowBase(store, flowName))} + sys.get_env("GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID") + "/" + step + if(index == null, "", "/" + string(index)) + "/" + output`),
        ]),
      ),
      wstep('flowc_read_get', {
        try: { call: STORAGE_GET, args: { bucket: store.bucket, object: expr('text.url_encode(object)'), alt: 'media' }, result: 'raw' },
        except: {
          as: 'e',
          steps: [
            wstep('flowc_read_missing', {
              switch: [when('get_type(e) == "map" and default(map.get(e, "code"), 0) == 404', [wstep('flowc_read_none', { raise: expr(`${who} + ${quote(` was never written (no object gs://${store.bucket}/`)} + object + ")"`) })])],
            }),
            wstep('flowc_read_failed', { raise: expr('e') }),
          ],
        },
      }),
      wstep('flowc_read_bytes', { switch: [when('get_type(raw) == "bytes"', [wstep('flowc_read_decode', assign(['raw', expr('text.decode(raw)')]))])] }),
      wstep('flowc_read_kind', {
        switch: [
          when('type == "string" and get_type(raw) == "string"', [wstep('flowc_read_text', { return: expr('raw') })]),
          when('type == "string"', [wstep('flowc_read_parsed_text', { return: expr('json.encode_to_string(raw)') })]),
          when('get_type(raw) != "string"', [wstep('flowc_read_parsed', { return: expr('raw') })]),
        ],
      }),
      wstep('flowc_read_json', {
        try: { steps: [wstep('flowc_read_parse', assign(['value', expr('json.decode(raw)')]))] },
        except: { as: 'e', steps: [wstep('flowc_read_bad_json', { raise: expr(`${who} + " is not one valid JSON value"`) })] },
      }),
      wstep('flowc_read_done', { return: expr('value') }),
    ],
  };
}

/** `flowc_collect(step, output, type, count)`: the values of a foreach step's tasks, in item order. */
export function collectSubworkflow(): Record<string, unknown> {
  return {
    params: ['step', 'output', 'type', 'count'],
    steps: [
      wstep('flowc_collect_init', assign(['values', []])),
      wstep('flowc_collect_any', {
        switch: [
          when('count > 0', [
            wstep('flowc_collect_each', {
              for: {
                value: 'i',
                range: [0, expr('count - 1')],
                steps: [
                  wstep('flowc_collect_read', { call: READ_SUBWORKFLOW, args: { step: expr('step'), output: expr('output'), type: expr('type'), index: expr('i') }, result: 'value' }),
                  wstep('flowc_collect_add', assign(['values', expr('list.concat(values, value)')])),
                ],
              },
            }),
          ]),
        ],
      }),
      wstep('flowc_collect_done', { return: expr('values') }),
    ],
  };
}

/**
 * Steps one successful read takes (the interpreter counts the same, budget.test.ts): the call, the
 * name, the `try` and its connector call, the bytes switch and its decode, the kind switch, then a
 * string's return, or a json value's parse `try`, its assign and the return.
 */
export function readSteps(type: IROutputType): number {
  return 1 + 1 + 2 + 2 + 1 + (type === 'string' ? 1 : 3);
}

/** Steps of `flowc_collect` over `n` tasks: the call, init, switch, (the `for`,) return; each task its read and the append. */
export function collectSteps(type: IROutputType, n: number): number {
  return 4 + (n > 0 ? 1 + n * (readSteps(type) + 1) : 0);
}
