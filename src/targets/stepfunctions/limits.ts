import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IRStep } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import type { Compute } from './options.js';
import type { AslState } from './task.js';
import { utf8Bytes } from './serialize.js';

/**
 * Step Functions and service limits flowc checks before writing anything (SPEC section 6):
 * - a state machine definition is at most 1 MB (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html);
 * - a state's input or output is at most 256 KiB (the same page), which bounds a foreach list;
 * - Batch and ECS container overrides are at most 8,192 characters, JSON included
 *   (https://docs.aws.amazon.com/batch/latest/APIReference/API_ContainerOverrides.html,
 *   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_TaskOverride.html);
 * - timeouts, retry intervals and attempts are at most 99,999,999, MaxDelaySeconds under 31,622,400
 *   (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
 */
export const DEFINITION_MAX_BYTES = 1_048_576;
export const PAYLOAD_MAX_BYTES = 262_144;
export const OVERRIDES_MAX_CHARS = 8_192;
export const ASL_INTEGER_MAX = 99_999_999;
export const MAX_DELAY_SECONDS_LIMIT = 31_622_400;

/** Characters of the overrides as sent (the `.$` templates count as written: values filled in at run time may be longer). */
export function overridesChars(overrides: Record<string, unknown>): number {
  return JSON.stringify(overrides).length;
}

export function overridesLimitName(compute: Compute): string {
  return compute === 'batch' ? "AWS Batch's container overrides" : "Amazon ECS's container overrides";
}

export function checkOverrides(o: { step: IRStep; overrides: Record<string, unknown>; compute: Compute; span: Span; diagnostics: DiagnosticBag }): void {
  const size = overridesChars(o.overrides);
  if (size <= OVERRIDES_MAX_CHARS) return;
  o.diagnostics.report(
    'FLOWC603',
    `step '${o.step.id}': its container overrides (command and environment) are ${size} characters, ${size - OVERRIDES_MAX_CHARS} over ${overridesLimitName(o.compute)} limit of ${OVERRIDES_MAX_CHARS}`,
    o.span,
    ['move large literal text into the image or a file the step reads'],
  );
}

export function checkDefinition(o: { text: string; span: Span; diagnostics: DiagnosticBag }): void {
  const bytes = utf8Bytes(o.text);
  if (bytes <= DEFINITION_MAX_BYTES) return;
  o.diagnostics.report(
    'FLOWC603',
    `the state machine definition is ${bytes} bytes, ${bytes - DEFINITION_MAX_BYTES} over Step Functions' limit of ${DEFINITION_MAX_BYTES} bytes (1 MB)`,
    o.span,
    ['split the flow, or shorten commands and environment values'],
  );
}

export function checkItems(o: { step: IRStep; state: AslState; span: Span; diagnostics: DiagnosticBag }): void {
  const bytes = utf8Bytes(JSON.stringify(o.state.Result));
  if (bytes <= PAYLOAD_MAX_BYTES) return;
  o.diagnostics.report(
    'FLOWC603',
    `step '${o.step.id}': its foreach items take ${bytes} bytes in the state's input, ${bytes - PAYLOAD_MAX_BYTES} over Step Functions' payload limit of ${PAYLOAD_MAX_BYTES} bytes (256 KiB)`,
    o.span,
  );
}

/** Timeout and retry numbers against the ASL integer bounds. */
export function checkNumbers(o: { step: IRStep; span: Span; diagnostics: DiagnosticBag }): void {
  const { step } = o;
  const over = (field: string, value: number, max: number) => {
    if (value > max) o.diagnostics.report('FLOWC603', `step '${step.id}': ${field} ${value} is ${value - max} over Step Functions' limit of ${max}`, o.span);
  };
  if (step.timeoutSeconds !== null) over('TimeoutSeconds (timeout)', step.timeoutSeconds, ASL_INTEGER_MAX);
  if (step.retry && step.retry.limit > 0) {
    over('MaxAttempts (retry limit)', step.retry.limit, ASL_INTEGER_MAX);
    over('IntervalSeconds (retry delay)', Math.ceil(step.retry.delaySeconds), ASL_INTEGER_MAX);
    if (step.retry.maxDelaySeconds !== null) over('MaxDelaySeconds (retry maxDelay)', Math.ceil(step.retry.maxDelaySeconds), MAX_DELAY_SECONDS_LIMIT - 1);
  }
}
