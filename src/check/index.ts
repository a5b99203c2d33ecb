import { hasImage } from './has-image.js';
import { needsExist } from './needs-exist.js';
import { noCycles } from './no-cycles.js';
import { parameterValues } from './parameter-values.js';
import type { FlowRule } from './rule.js';
import { runXorCommand } from './run-xor-command.js';
import { scheduleValue } from './schedule-value.js';
import { scheduledParameters } from './scheduled-parameters.js';
import { stepForeach } from './step-foreach.js';
import { stepResources } from './step-resources.js';
import { stepRetry } from './step-retry.js';
import { stepTimeout } from './step-timeout.js';

/**
 * The rules run on every resolved flow, in this order; all run, and all their problems are reported.
 * Shape rules (names, units, env variable names) live in the flow schema and run before these.
 * Lowering (src/ir/lower.ts) runs only on a flow they all passed, and reports nothing itself.
 */
export const FLOW_RULES: readonly FlowRule[] = [
  needsExist,
  noCycles,
  runXorCommand,
  hasImage,
  parameterValues,
  scheduleValue,
  scheduledParameters,
  stepResources,
  stepRetry,
  stepTimeout,
  stepForeach,
];
