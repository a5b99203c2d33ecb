import { findTarget, TARGETS } from '../../targets/index.js';
import type { Target } from '../../targets/target.js';
import { UsageError } from '../io.js';
import { parseTargetList } from '../options.js';

/** `--target` for a command that shows one target's view (graph, explain): exactly one name. */
export function oneTarget(command: string, value: string): Target {
  const names = parseTargetList(value);
  if (names.length !== 1 || value.trim() === 'all') {
    throw new UsageError(`flowc ${command} shows one target at a time; --target got '${value}'`, 'FLOWC031', [`run it once per target: ${TARGETS.map((t) => t.id).join(', ')}`]);
  }
  return findTarget(names[0] as string) as Target;
}

/** `--format` of graph and explain, checked here so the code (FLOWC030) is the command's own. */
export function outputFormat<F extends string>(command: string, value: string, formats: readonly F[]): F {
  if ((formats as readonly string[]).includes(value)) return value as F;
  throw new UsageError(`flowc ${command} cannot write --format '${value}'`, 'FLOWC030', [`use one of: ${formats.join(', ')}`]);
}
