import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { colours } from '../diagnostics/colour.js';
import { compareIR } from './compare.js';
import { checkIR } from './ir-file.js';
import { changeLines } from './render.js';

/**
 * `flowc diff`'s flow and step lines for two IR texts (the file on disk and the one just
 * compiled), for `build --check`. The file on disk is untrusted: one that is not an IR this
 * flowc reads gives a line saying so, never an error.
 */
export function irChangeLines(options: { before: string; after: string; indent: string }): string[] {
  const bag = new DiagnosticBag();
  const parse = (text: string) => {
    try {
      return checkIR({ value: JSON.parse(text) as unknown, file: '', shown: '', diagnostics: bag });
    } catch {
      return undefined;
    }
  };
  const before = parse(options.before);
  const after = parse(options.after);
  if (!before || !after) return [`${options.indent}the IR on disk is not one this flowc reads; per-step changes unknown`];
  const { flow, steps } = compareIR(before, after);
  return changeLines({ flow, steps, indent: options.indent, c: colours(false) });
}
