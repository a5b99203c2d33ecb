import type { IROrigin } from '../ir/types.js';

/** Rules read values only to judge them; the IR origin a reader records is not needed here. */
export const NO_ORIGIN = (): IROrigin => ({ file: '', line: 0, col: 0 });
