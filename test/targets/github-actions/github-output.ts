/**
 * The runner's reader of `$GITHUB_OUTPUT` on Linux (actions/runner FileCommandManager.cs): lines
 * split at `\n`; `NAME=VALUE`, or `NAME<<DELIM` then the value up to the first line equal to
 * DELIM, without the newline before it. Throws where the runner fails the step.
 */
export function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let index = 0;
  const readLine = (): { line: string | null; newline: string | null } => {
    if (index >= text.length) return { line: null, newline: null };
    const start = index;
    const lf = text.indexOf('\n', index);
    if (lf < 0) {
      index = text.length;
      return { line: text.slice(start), newline: null };
    }
    index = lf + 1;
    return { line: text.slice(start, lf), newline: '\n' };
  };
  for (let { line } = readLine(); line !== null; { line } = readLine()) {
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      out[line.slice(0, eq)] = line.slice(eq + 1);
    } else if (heredoc >= 0) {
      const name = line.slice(0, heredoc);
      const delimiter = line.slice(heredoc + 2);
      if (name === '' || delimiter === '') throw new Error(`Invalid format '${line}'`);
      const start = index;
      let end = index;
      let r = readLine();
      while (r.line !== delimiter) {
        if (r.line === null) throw new Error(`Matching delimiter not found '${delimiter}'`);
        end = index - (r.newline?.length ?? 0);
        r = readLine();
      }
      out[name] = end > start ? text.slice(start, end) : '';
    } else {
      throw new Error(`Invalid format '${line}'`);
    }
  }
  return out;
}
