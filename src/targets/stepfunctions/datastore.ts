import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { LNode } from '../../source/tree.js';
import type { Span } from '../../source/span.js';

/**
 * The S3 location step outputs go through (docs/targets/stepfunctions.md, "Step outputs"): Batch
 * and ECS containers cannot return a value to the state machine, so each step's wrapper uploads
 * its output files there and the state machine reads them back with GetObject.
 *
 * Layout: `<prefix>/<flow>/<run id>/<step>/<output>`, and `<prefix>/<flow>/<run id>/<step>/<task
 * index>/<output>` for a foreach task (0-based, in item order).
 */
export interface Datastore {
  bucket: string;
  /** The key prefix without leading or trailing `/`; '' for the bucket's root. */
  prefix: string;
}

/** The example every datastore message shows. */
export const DATASTORE_EXAMPLE = 's3://my-bucket/flowc';

/**
 * General purpose bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, starting and
 * ending with a letter or digit, no two adjacent dots, not an IP address
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
 */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket[/prefix]` as a Datastore, or why it is not one. */
export function parseDatastore(uri: string): { ok: true; datastore: Datastore } | { ok: false; error: string } {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(uri);
  if (!m) return { ok: false, error: `'${uri}' is not an S3 URI: write s3://<bucket>/<prefix>, e.g. ${DATASTORE_EXAMPLE}` };
  const bucket = m[1] as string;
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    return { ok: false, error: `'${bucket}' is not an S3 bucket name (3 to 63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit; https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)` };
  }
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  // The prefix is pasted into shell text (as data, single-quoted) and into ASL intrinsic literals:
  // safe characters only, which also keeps keys free of the characters S3 advises against
  // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html).
  if (prefix !== '' && (!/^[A-Za-z0-9!_.*()/=-]+$/.test(prefix) || prefix.split('/').some((seg) => seg === '' || seg === '.' || seg === '..'))) {
    return { ok: false, error: `the key prefix '${prefix}' may hold only letters, digits and !_.*()=- in '/'-separated segments (no empty, '.' or '..' segment)` };
  }
  return { ok: true, datastore: { bucket, prefix } };
}

/** The key of one output, as literal text around the run id and task index, which the engine fills in. */
export function outputKeyParts(o: { datastore: Datastore; flowName: string; stepId: string; foreach: boolean }): { beforeRun: string; afterRun: string } {
  const head = o.datastore.prefix === '' ? '' : `${o.datastore.prefix}/`;
  return { beforeRun: `${head}${o.flowName}/`, afterRun: `/${o.stepId}${o.foreach ? '/' : ''}` };
}

export function stepsWithOutputs(ir: IR): IRStep[] {
  return ir.steps.filter((s) => s.outputs.length > 0);
}

/** True when some step declares outputs or reads one (a reference or a dynamic foreach). */
export function usesOutputs(ir: IR): boolean {
  return ir.steps.some((s) => s.outputs.length > 0 || s.foreach?.from);
}

/**
 * FLOWC674: a flow with outputs needs `datastore`. Reported where the first output is declared
 * (the IR keeps no location for `targets.stepfunctions`), with an example.
 */
export function checkDatastorePresent(o: { ir: IR; datastore: string | null; flowSpan: Span; diagnostics: DiagnosticBag }): void {
  if (o.datastore !== null || !usesOutputs(o.ir)) return;
  const producer = stepsWithOutputs(o.ir)[0];
  const at = producer ? (producer.outputs[0] as { origin: Span }).origin : o.flowSpan;
  o.diagnostics.report(
    'FLOWC674',
    `${producer ? `step '${producer.id}' declares outputs, which` : 'step outputs'} on Step Functions need an S3 datastore: AWS Batch and ECS containers cannot return values, so each step uploads its outputs there and the state machine reads them back; set targets.stepfunctions.datastore`,
    { file: at.file, line: at.line, col: at.col },
    [`targets:\n  stepfunctions:\n    datastore: ${DATASTORE_EXAMPLE}`],
  );
}

/** FLOWC675: `datastore` as written is not a usable S3 URI; reported at the value. */
export function checkDatastoreWritten(o: { node: LNode; path: string; diagnostics: DiagnosticBag }): void {
  if (o.node.kind !== 'map') return;
  const entry = o.node.entries.find((e) => e.key === 'datastore');
  if (!entry || entry.value.kind !== 'scalar' || typeof entry.value.value !== 'string') return;
  const parsed = parseDatastore(entry.value.value);
  if (!parsed.ok) o.diagnostics.report('FLOWC675', `${o.path}.datastore: ${parsed.error}`, entry.value.span, [`e.g. datastore: ${DATASTORE_EXAMPLE}`]);
}
