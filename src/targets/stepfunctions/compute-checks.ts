import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IROrigin } from '../../ir/types.js';
import type { Span } from '../../source/span.js';
import type { SfnOptions } from './options.js';
import { fargateSize } from './job-definitions.js';
import { BATCH_MIN_TIMEOUT_SECONDS } from './task.js';

const span = (o: IROrigin): Span => ({ file: o.file, line: o.line, col: o.col });

/**
 * What the chosen compute cannot run as the flow says, checked before anything is written:
 * - Fargate has no GPUs (https://docs.aws.amazon.com/batch/latest/userguide/fargate.html,
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/AWS_Fargate.html): a GPU step on
 *   Batch `platform: FARGATE` or ECS `launchType: FARGATE` is FLOWC625; EC2 runs it.
 * - A Batch job on Fargate needs an execution role (FLOWC662), and runs in one of Fargate's fixed
 *   sizes, at most 16 vCPUs and 120 GiB (https://docs.aws.amazon.com/batch/latest/APIReference/API_ResourceRequirement.html):
 *   a larger step is FLOWC663.
 * - A Batch job timeout is at least 60 seconds: a shorter step timeout is raised, with FLOWC629.
 */
export function checkCompute(o: { ir: IR; options: SfnOptions; flowSpan: Span; diagnostics: DiagnosticBag }): void {
  const { ir, options, diagnostics } = o;
  const batch = options.compute === 'batch';
  const fargate = batch ? options.batch.platform === 'FARGATE' : options.ecs.launchType === 'FARGATE';
  const setting = batch ? 'targets.stepfunctions.platform: EC2' : 'targets.stepfunctions.ecs.launchType: EC2';
  for (const step of ir.steps) {
    if (fargate && step.resources.gpu > 0) {
      diagnostics.report(
        'FLOWC625',
        `step '${step.id}' asks for ${step.resources.gpu} GPU${step.resources.gpu === 1 ? '' : 's'}, but ${batch ? 'AWS Batch' : 'Amazon ECS'} on Fargate has no GPUs; set ${setting} (with GPU instances) to run it`,
        span(step.origin),
      );
    }
    if (batch && options.batch.platform === 'FARGATE' && fargateSize(step.resources) === null) {
      diagnostics.report(
        'FLOWC663',
        `step '${step.id}' asks for ${step.resources.cpuMillis / 1000} vCPUs and ${Math.ceil(step.resources.memoryMiB)} MiB, more than AWS Batch on Fargate's largest size (16 vCPUs, 122880 MiB); use targets.stepfunctions.platform: EC2`,
        span(step.origin),
      );
    }
    if (batch && step.timeoutSeconds !== null && step.timeoutSeconds < BATCH_MIN_TIMEOUT_SECONDS) {
      diagnostics.report(
        'FLOWC629',
        `step '${step.id}': timeout ${step.timeoutSeconds}s is under AWS Batch's minimum job timeout of ${BATCH_MIN_TIMEOUT_SECONDS}s, so each attempt may run for ${BATCH_MIN_TIMEOUT_SECONDS}s`,
        span(step.origin),
      );
    }
  }
  if (batch && options.batch.platform === 'FARGATE' && options.batch.executionRoleArn === null) {
    diagnostics.report(
      'FLOWC662',
      'AWS Batch on Fargate needs an execution role to pull the image and send logs: set targets.stepfunctions.executionRoleArn',
      o.flowSpan,
    );
  }
}
