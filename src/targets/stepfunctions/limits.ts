import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IRStep } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import type { Compute } from './options.js';
import type { AslState } from './task.js';
import { utf8Bytes } from './serialize.js';
import { checkLimit, limitsTable, type Limit } from '../limits.js';
import { cappedRetry } from '../retry.js';

const QUOTAS = 'https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html';
const ERROR_HANDLING = 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html';

/**
 * Step Functions and service limits flowc checks before writing anything (SPEC section 6), one
 * line each; docs/targets/stepfunctions.md renders this table.
 */
export const SFN_LIMITS = limitsTable({
  definitionBytes: { title: 'Step Functions state machine definitions (1 MB)', value: 1_048_576, unit: 'bytes', doc: QUOTAS },
  // Bounds a foreach list, which travels in a state's input.
  payloadBytes: { title: "a Step Functions state's input or output (256 KiB)", value: 262_144, unit: 'bytes', doc: QUOTAS },
  // One step output: the wrapper fails the step over it (wrapper.ts); every output a run reads
  // shares the payload limit above, as they all travel in the state.
  outputBytes: { title: 'one step output, read from S3 into the state (256 KiB)', value: 262_144, unit: 'bytes', doc: QUOTAS },
  // JSON included.
  overridesChars: { title: 'AWS Batch container overrides', value: 8_192, unit: 'characters', doc: 'https://docs.aws.amazon.com/batch/latest/APIReference/API_ContainerOverrides.html' },
  ecsOverridesChars: { title: 'Amazon ECS container overrides', value: 8_192, unit: 'characters', doc: 'https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html' },
  timeoutSeconds: { title: 'TimeoutSeconds', value: 99_999_999, unit: 'seconds', doc: ERROR_HANDLING },
  retryAttempts: { title: 'MaxAttempts', value: 99_999_999, unit: 'retries', doc: ERROR_HANDLING },
  retryInterval: { title: 'IntervalSeconds', value: 99_999_999, unit: 'seconds', doc: ERROR_HANDLING },
  // MaxDelaySeconds must be less than 31,622,400 (a leap year).
  retryDelay: { title: 'MaxDelaySeconds (one retry wait)', value: 31_622_399, unit: 'seconds', doc: ERROR_HANDLING },
  // Estimated from the flow in history.ts; over it a run fails (FLOWC660/661).
  historyEvents: { title: "a Standard execution's history", value: 25_000, unit: 'events', doc: QUOTAS },
  // More at once makes the foreach a Distributed Map (history.ts).
  inlineMapConcurrency: { title: 'iterations of an inline Map running at once', value: 40, unit: 'iterations', doc: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html' },
  distributedMapConcurrency: { title: 'child executions of a Distributed Map running at once', value: 10_000, unit: 'iterations', doc: 'https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html' },
});

export const DEFINITION_MAX_BYTES = SFN_LIMITS.definitionBytes.value;
export const OVERRIDES_MAX_CHARS = SFN_LIMITS.overridesChars.value;

/** Characters of the overrides as sent (the `.$` templates count as written: values filled in at run time may be longer). */
export function overridesChars(overrides: Record<string, unknown>): number {
  return JSON.stringify(overrides).length;
}

/** The container overrides limit of the compute the steps run on (Batch or ECS). */
export function overridesLimit(compute: Compute): Limit {
  return compute === 'batch' ? SFN_LIMITS.overridesChars : SFN_LIMITS.ecsOverridesChars;
}

/** `chars`: overridesChars of the step's overrides, counted once by the caller. */
export function checkOverrides(o: { step: IRStep; chars: number; compute: Compute; span: Span; diagnostics: DiagnosticBag }): void {
  checkLimit({
    diagnostics: o.diagnostics,
    limit: overridesLimit(o.compute),
    subject: `step '${o.step.id}': the size of its container overrides (command and environment)`,
    actual: o.chars,
    span: o.span,
    notes: ['move large literal text into the image or a file the step reads'],
  });
}

export function checkDefinition(o: { text: string; span: Span; diagnostics: DiagnosticBag }): void {
  checkLimit({
    diagnostics: o.diagnostics,
    limit: SFN_LIMITS.definitionBytes,
    subject: 'the state machine definition',
    actual: utf8Bytes(o.text),
    span: o.span,
    notes: ['split the flow, or shorten commands and environment values'],
  });
}

export function checkItems(o: { step: IRStep; state: AslState; span: Span; diagnostics: DiagnosticBag }): void {
  checkLimit({
    diagnostics: o.diagnostics,
    limit: SFN_LIMITS.payloadBytes,
    subject: `step '${o.step.id}': the size of its foreach items in the state's input`,
    actual: utf8Bytes(JSON.stringify(o.state.Result)),
    span: o.span,
  });
}

/** Timeout and retry numbers against the ASL integer bounds. */
export function checkNumbers(o: { step: IRStep; span: Span; diagnostics: DiagnosticBag }): void {
  const { step } = o;
  const over = (limit: Limit, field: string, actual: number) => checkLimit({ diagnostics: o.diagnostics, limit, subject: `step '${step.id}': ${field}`, actual, span: o.span });
  if (step.timeoutSeconds !== null) over(SFN_LIMITS.timeoutSeconds, 'TimeoutSeconds (timeout)', step.timeoutSeconds);
  if (step.retry && step.retry.limit > 0) {
    over(SFN_LIMITS.retryAttempts, 'MaxAttempts (retry limit)', step.retry.limit);
    // The delay as written, after the cap every target applies (src/targets/retry.ts).
    over(SFN_LIMITS.retryInterval, 'IntervalSeconds (retry delay)', Math.ceil(cappedRetry(step.retry, SFN_LIMITS).delaySeconds));
  }
}
