import { REGISTERED_TARGETS } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import { type CliIO, EXIT } from '../io.js';

/** Where a target comes from: `built in` for a code target, the template file for a template target. */
function sourceOf(t: Target): string {
  const source = (t as { source?: unknown }).source;
  return typeof source === 'string' ? `template ${source}` : 'built in';
}

/** `flowc targets`: one line per target (code targets, then built-in templates) with its aliases, the files it writes and where it comes from. */
export function runTargets(io: CliIO): number {
  const rows = REGISTERED_TARGETS.map((t) => [t.id + (t.aliases.length ? ` (${t.aliases.join(', ')})` : ''), t.files.join(', '), sourceOf(t), t.description]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  io.stdout(rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i] as number) : c)).join('  ').trimEnd()).join('\n') + '\n');
  io.stdout('every compile with --out also writes <name>.config.lock.json\n');
  io.stdout('a template of your own is a target too: --target path/to/name.ext.hbs (docs/templates.md)\n');
  return EXIT.ok;
}
