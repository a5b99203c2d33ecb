import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { MAX_NESTING } from './limits.js';
import type { Span } from './span.js';
import type { LMapEntry, LNode } from './tree.js';

/**
 * The checks every parsed document gets, whatever its format, so YAML, JSON and TOML inputs are
 * bounded and carry the same characters:
 *
 * - no node nested more than MAX_NESTING maps and lists deep (FLOWC107): every later pass over a
 *   tree recurses per level, and TOML dotted keys (`a.b.c...`) nest without any bracket;
 * - no string or key holding NUL (U+0000) or a lone UTF-16 surrogate (FLOWC108). execve and every
 *   C string end an argument at NUL, so a command holding one never reaches the container as
 *   written; a lone surrogate (`"\ud800"` in JSON) has no UTF-8 form and would be written as
 *   U+FFFD. Other control characters are kept: they are legal in every output format, which
 *   escapes them.
 *
 * Iterative, so it is safe on any tree. Returns false when anything was reported.
 */
export function checkTree(root: LNode, diagnostics: DiagnosticBag): boolean {
  const before = diagnostics.items.length;
  let tooDeep = false;
  // Every node of a YAML alias copy shares the alias's span: one report per place is enough.
  const reported = new Set<Span>();
  const check = (text: string, what: 'string' | 'key', span: Span) => {
    if (!reported.has(span) && checkText(text, what, span, diagnostics)) reported.add(span);
  };
  // Each item carries the entry whose value it is, so keys are checked in document order too.
  const stack: [LNode, number, LMapEntry | undefined][] = [[root, 0, undefined]];
  while (stack.length > 0) {
    const [node, level, entry] = stack.pop() as [LNode, number, LMapEntry | undefined];
    if (entry) check(entry.key, 'key', entry.keySpan);
    if (level > MAX_NESTING) {
      if (!tooDeep) diagnostics.report('FLOWC107', `the document nests deeper than ${MAX_NESTING} levels (the nesting limit)`, node.span);
      tooDeep = true;
      continue;
    }
    if (node.kind === 'scalar') {
      if (typeof node.value === 'string') check(node.value, 'string', node.span);
    } else if (node.kind === 'seq') {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push([node.items[i] as LNode, level + 1, undefined]);
    } else {
      for (let i = node.entries.length - 1; i >= 0; i--) {
        const e = node.entries[i] as LMapEntry;
        stack.push([e.value, level + 1, e]);
      }
    }
  }
  return diagnostics.items.length === before;
}

const UNCARRIABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Reports the first character of `text` no output can carry; true when it reported. */
function checkText(text: string, what: 'string' | 'key', span: Span, diagnostics: DiagnosticBag): boolean {
  const m = UNCARRIABLE.exec(text);
  if (!m) return false;
  const at = `at character ${m.index + 1}`;
  if (m[0] === '\u0000') {
    diagnostics.report('FLOWC108', `this ${what} holds a NUL character (U+0000) ${at}; no command, argument or output file can carry it`, span, [
      'programs receive arguments and environment values as C strings, which end at the first NUL',
    ]);
  } else {
    const code = (m[0].charCodeAt(0) as number).toString(16);
    diagnostics.report('FLOWC108', `this ${what} holds a lone surrogate (U+${code.toUpperCase()}) ${at}, which has no UTF-8 form`, span, [
      'write the character itself, or both halves of its surrogate pair',
    ]);
  }
  return true;
}
