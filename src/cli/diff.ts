import { colourWanted, colours } from '../diagnostics/colour.js';
import { visibleText } from '../source/visible-text.js';

/**
 * The most cells (lines changed on disk x lines changed in the compile) the LCS table may have:
 * 4M cells, 16 MB. Beyond it the changed middle is shown as one hunk removing the old lines and
 * adding the new ones: still a correct diff, just not a minimal one, and never gigabytes of memory
 * for two large files that differ everywhere.
 */
export const DIFF_CELL_BUDGET = 4_000_000;

/**
 * A unified diff of two texts (like `diff -u`), for `--check`. Line-based LCS; quadratic in the
 * worst case, but only run on files that differ, trimmed to the changed middle first, and bounded
 * by DIFF_CELL_BUDGET.
 */
export function unifiedDiff(options: { oldText: string; newText: string; oldName: string; newName: string; context?: number }): string {
  const context = options.context ?? 3;
  const a = splitLines(options.oldText);
  const b = splitLines(options.newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: { op: ' ' | '-' | '+'; line: string }[] = [];
  for (let i = 0; i < start; i++) ops.push({ op: ' ', line: a[i] as string });
  ops.push(...lcsOps(a.slice(start, endA), b.slice(start, endB)));
  for (let i = endA; i < a.length; i++) ops.push({ op: ' ', line: a[i] as string });

  const out = [`--- ${visibleText(options.oldName)}`, `+++ ${visibleText(options.newName)}`];
  let i = 0;
  while (i < ops.length) {
    if ((ops[i] as { op: string }).op === ' ') {
      i++;
      continue;
    }
    let lo = Math.max(0, i - context);
    let hi = i;
    // Extend the hunk while changes are within 2*context lines of each other.
    for (let j = i; j < ops.length; j++) {
      if ((ops[j] as { op: string }).op !== ' ') hi = j;
      else if (j - hi > 2 * context) break;
    }
    hi = Math.min(ops.length - 1, hi + context);
    let oldStart = 1;
    let newStart = 1;
    for (let k = 0; k < lo; k++) {
      const op = (ops[k] as { op: string }).op;
      if (op !== '+') oldStart++;
      if (op !== '-') newStart++;
    }
    const hunk = ops.slice(lo, hi + 1);
    const oldLen = hunk.filter((h) => h.op !== '+').length;
    const newLen = hunk.filter((h) => h.op !== '-').length;
    out.push(`@@ -${oldLen === 0 ? oldStart - 1 : oldStart},${oldLen} +${newLen === 0 ? newStart - 1 : newStart},${newLen} @@`);
    for (const h of hunk) out.push(`${h.op}${h.line}`);
    i = hi + 1;
    lo = i;
  }
  return `${out.join('\n')}\n`;
}

/**
 * Lines shown with visible escapes (`src/source/visible-text.ts`): a file on disk is anyone's, and
 * its bytes must not drive the terminal that reads the diff (ESC) or hide a change (CR, bidi).
 */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map(visibleText);
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

function lcsOps(a: string[], b: string[]): { op: ' ' | '-' | '+'; line: string }[] {
  const n = a.length;
  const m = b.length;
  if ((n + 1) * (m + 1) > DIFF_CELL_BUDGET) return [...a.map((line) => ({ op: '-' as const, line })), ...b.map((line) => ({ op: '+' as const, line }))];
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    const row = dp[i] as Uint32Array;
    const next = dp[i + 1] as Uint32Array;
    for (let j = m - 1; j >= 0; j--) row[j] = a[i] === b[j] ? (next[j + 1] as number) + 1 : Math.max(next[j] as number, row[j + 1] as number);
  }
  const ops: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ op: ' ', line: a[i] as string });
      i++;
      j++;
    } else if (((dp[i + 1] as Uint32Array)[j] as number) >= ((dp[i] as Uint32Array)[j + 1] as number)) {
      ops.push({ op: '-', line: a[i++] as string });
    } else {
      ops.push({ op: '+', line: b[j++] as string });
    }
  }
  while (i < n) ops.push({ op: '-', line: a[i++] as string });
  while (j < m) ops.push({ op: '+', line: b[j++] as string });
  return ops;
}

/**
 * A unified diff coloured like `git diff` (file names bold, hunk headers cyan, removals red,
 * additions green) when stdout is a terminal or colour is forced; unchanged otherwise.
 */
export function colourDiff(diff: string, io: { env: Record<string, string | undefined>; stdoutIsTTY?: boolean }): string {
  if (!colourWanted(io.env, io.stdoutIsTTY === true)) return diff;
  const c = colours(true);
  return diff
    .split('\n')
    .map((line) =>
      line.startsWith('--- ') || line.startsWith('+++ ') ? c.bold(line)
      : line.startsWith('@@') ? c.cyan(line)
      : line.startsWith('-') ? c.red(line)
      : line.startsWith('+') ? c.green(line)
      : line,
    )
    .join('\n');
}
