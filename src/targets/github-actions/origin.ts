import type { IROrigin } from '../../ir/types.js';
import type { Span } from '../../source/span.js';

/** The span a diagnostic about an IR node points at (IR origins are relative to the flow's folder). */
export function originSpan(origin: IROrigin): Span {
  return { file: origin.file, line: origin.line, col: origin.col };
}
