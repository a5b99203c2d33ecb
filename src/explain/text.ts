import type { Explanation } from './model.js';

/**
 * The text form of `flowc explain`. Names come from the flow and the artifacts; control
 * characters in them are shown as `\u{..}` so a hostile value cannot rewrite the terminal.
 */
export function explanationText(e: Explanation): string {
  const out: string[] = [`${e.flow} on ${e.engine} (--target ${e.target}): ${e.files.join(', ')}`, ''];
  out.push('steps:');
  for (const s of e.steps) out.push(`  ${s.step} -> ${[s.as, ...[...s.within].reverse()].join(' in ')}`);
  section(out, 'foreach', e.foreach.map((f) => `${f.subject} -> ${f.as}`));
  section(out, 'ordering (needs)', e.ordering);
  section(out, 'parameters', e.parameters.map((p) => `${p.subject} -> ${p.as}`));
  section(out, 'schedule', e.schedule ? [e.schedule] : []);
  section(out, 'secrets', e.secrets.map((s) => `${s.subject} -> ${s.as}`));
  section(out, 'warnings', e.warnings.map((w) => `${w.at ? `${w.at}: ` : ''}${w.code}: ${w.message}`));
  return `${out.map(safe).join('\n')}\n`;
}

function section(out: string[], title: string, lines: string[]): void {
  if (lines.length === 0) return;
  out.push('', `${title}:`, ...lines.map((l) => `  ${l}`));
}

function safe(line: string): string {
  return line.replace(/[\p{Cc}\u2028\u2029]/gu, (c) => `\\u{${(c.codePointAt(0) as number).toString(16)}}`);
}
