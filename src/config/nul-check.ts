import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { originNotes, originSpan } from './origin.js';
import { formatPath, type Segment } from './path.js';
import type { PMap, PNode } from './ptree.js';

/**
 * Refuses NUL in a resolved config's keys and strings, wherever the layer came from (a YAML
 * `"\0"`, a JSON `"\u0000"`, a schema default): the whole config travels in FLOWC_CONFIG and its
 * values into commands, and an execve argument or environment string ends at the first NUL, so
 * the step would run with text other than the one written (FLOWC423). Returns false when it reported.
 */
export function checkNoNul(options: { name: string; root: PMap; diagnostics: DiagnosticBag }): boolean {
  let ok = true;
  const walk = (node: PNode, path: Segment[]): void => {
    if (node.kind === 'scalar') {
      if (typeof node.value === 'string' && node.value.includes('\0')) {
        ok = false;
        options.diagnostics.report('FLOWC423', `${formatPath([options.name, ...path])} holds a NUL character, which no process argument or environment value can carry`, originSpan(node.origin), originNotes(node.origin));
      }
    } else if (node.kind === 'seq') {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    } else {
      for (const [k, v] of node.entries) {
        if (k.includes('\0')) {
          ok = false;
          options.diagnostics.report('FLOWC423', `a key of ${formatPath([options.name, ...path])} holds a NUL character, which no process argument or environment value can carry`, originSpan(v.origin), originNotes(v.origin));
        }
        walk(v, [...path, k]);
      }
    }
  };
  walk(options.root, []);
  return ok;
}
