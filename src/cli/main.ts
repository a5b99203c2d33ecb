import { visibleText } from '../source/visible-text.js';
import { EXIT } from './io.js';
import { createProgram } from './program.js';
import { defaultSchemaCacheDir, setSchemaCacheDir } from '../validators/schema-cache.js';

/** The process entry: real stdio, and the one place an unexpected exception becomes exit 70. */
export async function main(argv: string[]): Promise<number> {
  // A reader that stops early (`flowc ... | head`) closes the pipe: that is the reader's choice,
  // not an error, so end quietly as other Unix tools do instead of printing a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  // Only the real process caches compiled config schemas in the user's cache folder: the library
  // and in-process runs leave the user's files alone (src/validators/schema-cache.ts).
  setSchemaCacheDir(defaultSchemaCacheDir(process.env));
  const io = {
    stdout: (t: string) => void process.stdout.write(t),
    stderr: (t: string) => void process.stderr.write(t),
    stderrIsTTY: process.stderr.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
  };
  try {
    return await createProgram(io).run(argv);
  } catch (e) {
    if (process.env.FLOWC_DEBUG === '1') io.stderr(`${(e as Error)?.stack ?? String(e)}\n`);
    io.stderr(
      `flowc: error FLOWC900: this is a bug in flowc: ${visibleText((e as Error)?.message ?? String(e))}\n` +
        `  note: run again with FLOWC_DEBUG=1 for a stack trace, and report it with the input that caused it\n`,
    );
    return EXIT.internal;
  }
}
