import type { YAMLError } from 'yaml';
import type { Code } from '../diagnostics/codes.js';
import type { SourceText } from './files.js';
import type { Span } from './span.js';

export interface SyntaxProblem {
  code: Code;
  message: string;
  span: Span;
  notes?: string[];
}

/**
 * The yaml package's errors, said in the author's terms and at the real cause. Two mistakes
 * account for most YAML a person writes wrong, and the parser names neither where it happens:
 *
 * - a tab in indentation (YAML allows spaces only): reported at the tab, and the errors the
 *   parser then reports on the same line (it reads the rest as a broken key) are dropped;
 * - `: ` inside a plain value (`run: echo key: value`): the parser says "Nested mappings are not
 *   allowed in compact mappings" at the value's start; the cause is the second `: `, so the
 *   diagnostic points there and suggests quoting the value or a block scalar (`|`).
 *
 * Every other error keeps the parser's message (first line, position suffix removed).
 */
export function yamlSyntaxProblems(src: SourceText, errors: readonly YAMLError[]): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const explainedLines = new Set<number>();
  for (const err of errors) {
    const at = src.position(err.pos[0]);
    if (err.code === 'TAB_AS_INDENT') {
      problems.push(tabProblem(src, at.line));
      for (const l of blockAfter(src, at.line)) explainedLines.add(l);
    }
  }
  for (const err of errors) {
    if (err.code === 'TAB_AS_INDENT') continue;
    const at = src.position(err.pos[0]);
    if (explainedLines.has(at.line)) continue;
    if (err.code === 'BLOCK_AS_IMPLICIT_KEY') {
      const colon = colonInPlainValue(src, at.line, at.col);
      if (colon) {
        problems.push(colon);
        explainedLines.add(at.line);
        continue;
      }
    }
    const code: Code = err.code === 'DUPLICATE_KEY' ? 'FLOWC102' : /Maximum call stack/.test(err.message) ? 'FLOWC107' : 'FLOWC101';
    const message = err.code === 'DUPLICATE_KEY' ? 'duplicate key (each key may appear once in a map)' : firstLine(err.message);
    problems.push({ code, message, span: src.span(err.pos[0], err.pos[1]) });
  }
  return problems;
}

/**
 * The tab's line and the lines after it that are indented deeper than the line before the tab:
 * the parser reads them as part of the broken node, so their errors are echoes of the tab.
 */
function blockAfter(src: SourceText, line: number): number[] {
  const indent = (l: number) => (/^ */.exec(src.lineText(l))?.[0].length ?? 0);
  const blank = (l: number) => /^\s*(#.*)?$/.test(src.lineText(l));
  let parent = line - 1;
  while (parent > 0 && blank(parent)) parent--;
  const floor = parent > 0 ? indent(parent) : -1;
  const lines = [line];
  const last = src.position(src.text.length).line;
  for (let l = line + 1; l <= last; l++) {
    if (blank(l)) continue;
    if (/^ *\t/.test(src.lineText(l)) || indent(l) <= floor) break;
    lines.push(l);
  }
  return lines;
}

function tabProblem(src: SourceText, line: number): SyntaxProblem {
  const text = src.lineText(line);
  const indent = /^[ \t]*/.exec(text)?.[0] ?? '';
  const lastTab = indent.lastIndexOf('\t');
  const first = indent.indexOf('\t');
  const start = offsetOf(src, line, first + 1);
  return {
    code: 'FLOWC101',
    message: 'this line is indented with a tab; YAML indents with spaces only',
    span: src.span(start, start + (lastTab - first) + 1),
    notes: ['replace the tab with spaces (most editors can convert indentation to spaces)'],
  };
}

/**
 * `key: text with: a colon`: `col` is where the parser saw the value start. The value's own `: `
 * (or a `:` ending the line) is the cause; undefined when the line holds no such colon (then the
 * parser's message stands).
 */
function colonInPlainValue(src: SourceText, line: number, col: number): SyntaxProblem | undefined {
  const text = src.lineText(line);
  const value = text.slice(col - 1);
  if (/^["'|>[{]/.test(value)) return undefined;
  const inValue = /:(?= |$)/.exec(value);
  if (!inValue) return undefined;
  const keyPart = /^\s*(?:- +)?([^:#]+?):\s*$/.exec(text.slice(0, col - 1));
  const key = keyPart?.[1] ?? 'key';
  const plain = value.replace(/\s+#.*$/, '').trimEnd();
  const colonCol = col + inValue.index;
  const start = offsetOf(src, line, colonCol);
  const width = value[inValue.index + 1] === ' ' ? 2 : 1;
  return {
    code: 'FLOWC101',
    message: `this value holds ': ', which YAML reads as the start of a nested map; quote the value or use a block scalar`,
    span: src.span(start, start + width),
    notes: [`write ${key}: ${quoted(plain)}`, `or ${key}: | and the text on the next line, indented`],
  };
}

/** A double-quoted YAML string of `s`, escaping only what double quotes need. */
function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function offsetOf(src: SourceText, line: number, col: number): number {
  // position() maps offsets to line/col; its inverse is the line's start plus the column.
  let lo = 0;
  let hi = src.text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (src.position(mid).line < line) lo = mid + 1;
    else hi = mid;
  }
  return lo + col - 1;
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '');
}
