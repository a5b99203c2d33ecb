import { visibleText } from '../source/visible-text.js';
import type { Diagnostic } from './diagnostic.js';
import { flatNotes, groupUnitDiagnostics } from './unit-groups.js';

/**
 * Diagnostics as GitHub Actions workflow commands (`::error file=…,line=…::message`), so a failed
 * CI run shows each problem on the file's line in the pull request. Printed in addition to the
 * normal output when `GITHUB_ACTIONS=true`.
 *
 * Escaping follows the runner's rules (actions/toolkit `command.ts`): in the message `%`, `\r` and
 * `\n` become `%25`, `%0D`, `%0A`; in property values `:` and `,` also become `%3A` and `%2C`, so
 * a file name or message cannot end the command early or forge another one.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
export function githubAnnotations(ds: readonly Diagnostic[], relativize: (absPath: string) => string): string {
  // Grouped like the text form: GitHub shows only the first 10 warning (and 10 error) annotations
  // of a step, so one problem of 1,000 bindings would hide every other.
  return groupUnitDiagnostics(ds).map((d) => `${annotation(d, relativize)}\n`).join('');
}

function annotation(d: Diagnostic, relativize: (absPath: string) => string): string {
  const props: [string, string | number][] = [];
  if (d.span) {
    const s = d.span;
    props.push(['file', visibleText(relativize(s.file))], ['line', s.line], ['col', s.col]);
    props.push(['endLine', s.endLine ?? s.line], ['endColumn', s.endCol ?? s.col]);
  }
  props.push(['title', d.code]);
  // User text is shown escaped as in every other form (ESC, bidi, a line break inside a key); the
  // line breaks between message and notes are ours and become %0A.
  const message = [visibleText(d.message), ...(flatNotes(d) ?? []).map((n) => `note: ${n.split('\n').map(visibleText).join('\n')}`)].join('\n');
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',')}::${escapeData(message)}`;
}

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
