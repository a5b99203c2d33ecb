import { hasImage } from './has-image.js';
import { needsExist } from './needs-exist.js';
import { noCycles } from './no-cycles.js';
import type { FlowRule } from './rule.js';
import { runXorCommand } from './run-xor-command.js';

/**
 * The rules run on every resolved flow, in this order; all run, and all their problems are reported.
 * Shape rules (names, units, env variable names) live in the flow schema and run before these.
 */
export const FLOW_RULES: readonly FlowRule[] = [needsExist, noCycles, runXorCommand, hasImage];
