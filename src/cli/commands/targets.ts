import { TARGETS } from '../../targets/index.js';
import { type CliIO, EXIT } from '../io.js';

/** `flowc targets`: one line per target with its aliases and the files it writes. */
export function runTargets(io: CliIO): number {
  const rows = TARGETS.map((t) => [t.id + (t.aliases.length ? ` (${t.aliases.join(', ')})` : ''), t.files.join(', '), t.description]);
  const w0 = Math.max(...rows.map((r) => (r[0] as string).length));
  const w1 = Math.max(...rows.map((r) => (r[1] as string).length));
  io.stdout(rows.map((r) => `${(r[0] as string).padEnd(w0)}  ${(r[1] as string).padEnd(w1)}  ${r[2]}`.trimEnd()).join('\n') + '\n');
  io.stdout('every compile with --out also writes <name>.config.lock.json\n');
  return EXIT.ok;
}
