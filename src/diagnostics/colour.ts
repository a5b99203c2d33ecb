import picocolors from 'picocolors';

export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * Whether output to a stream gets ANSI colour, in this order (the first rule that applies wins):
 *
 * 1. `NO_COLOR` set and not empty: no colour (https://no-color.org; picocolors gives it the same
 *    precedence over FORCE_COLOR).
 * 2. `FORCE_COLOR` set and not empty: colour, even into a pipe or under `TERM=dumb`; except
 *    `FORCE_COLOR=0` or `false`, which mean no colour (as chalk and Node read them).
 * 3. `TERM=dumb`: no colour (a terminal that cannot draw escapes).
 * 4. Otherwise colour exactly when the stream is a terminal.
 *
 * `CI` alone does not turn colour on (picocolors does): logs that tools parse stay plain, and
 * GitHub Actions gets workflow-command annotations instead (docs/diagnostics.md).
 */
export function colourWanted(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/** picocolors' formatters, enabled or all identity functions. */
export function colours(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}
