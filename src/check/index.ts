import { envNames } from './env-names.js';
import { hasImage } from './has-image.js';
import { needsExist } from './needs-exist.js';
import { noCycles } from './no-cycles.js';
import type { FlowRule } from './rule.js';
import { runXorCommand } from './run-xor-command.js';

/** The rules run on every resolved flow, in this order; all run, and all their problems are reported. */
export const FLOW_RULES: readonly FlowRule[] = [needsExist, noCycles, runXorCommand, hasImage, envNames];
