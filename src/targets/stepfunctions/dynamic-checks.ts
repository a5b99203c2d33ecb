import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { itemPathsIn } from '../../ir/shell.js';
import type { IR, IRString } from '../../ir/types.js';
import { readableItemPath } from './outputs.js';

/**
 * FLOWC676: a dynamic foreach's items are known only at run time, so the state machine picks each
 * `${item.a[0]}` out of the element with a JSONPath (outputs.ts, itemTextStates), which this
 * target writes with member names and indices only (`$.value.a[0]`). A static foreach has no such
 * limit: flowc formats its items at compile time.
 */
export function checkDynamicItems(o: { ir: IR; diagnostics: DiagnosticBag }): boolean {
  let ok = true;
  for (const step of o.ir.steps) {
    if (!step.foreach?.from) continue;
    const strings: IRString[] = [...(step.exec.kind === 'run' ? [step.exec.script] : step.exec.argv), ...step.env.map((e) => e.value)];
    const bad = strings.flatMap(itemPathsIn).find((p) => !readableItemPath(p));
    if (!bad) continue;
    ok = false;
    const text = bad.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`)).join('');
    o.diagnostics.report(
      'FLOWC676',
      `step '${step.id}': \${item${text}} of a dynamic foreach cannot be read on Step Functions, whose JSONPath here takes only member names made of letters, digits and '_' (not starting with a digit) and list indices`,
      { file: step.origin.file, line: step.origin.line, col: step.origin.col },
      ['rename the key in the list the producing step writes, or read the whole ${item} (FLOWC_ITEM) and pick the field in the step'],
    );
  }
  return ok;
}
