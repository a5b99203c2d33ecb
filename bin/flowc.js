#!/usr/bin/env node
// The bin only loads the compiled CLI so start-up never pays for a TypeScript loader. It prefers
// the bundle (scripts/bundle-cli.mjs: a few CommonJS files loaded with V8's code cache by
// load-bundle.cjs, instead of ~300 modules parsed and compiled one by one) when it was made from
// the current dist: `tsc` rewrites every file it emits, so a dist/cli/main.js newer than the
// bundle means the bundle is stale and the modules themselves are loaded. FLOWC_BUNDLE=0 loads
// the modules too (the tests run the CLI both ways).
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// Loaded first in either case: it sets the V8 flags the CLI runs with (see tuneV8 there).
const loader = createRequire(import.meta.url)('./load-bundle.cjs');
const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundled = process.env.FLOWC_BUNDLE === '0' ? undefined : mtime('../dist/bundle/flowc.cjs');
const current = bundled !== undefined && bundled >= (mtime('../dist/cli/main.js') ?? 0);
const { main } = current
  ? loader.loadBundle(fileURLToPath(new URL('../dist/bundle/flowc.cjs', import.meta.url))).exports
  : await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));

// The command is done: end now rather than let Node drain the event loop and then tear down the
// heap, 20-30 ms of a 1,000-binding build. Only when nothing is pending but the standard streams
// (and handles being closed), and those hold no bytes: a pipe is written asynchronously on POSIX,
// so a full one keeps bytes queued (writableLength), and the process then ends the usual way,
// after writing them. Anything else still open (a file being written, a timer, a child process,
// a thread) also lets the event loop run to its end.
const IDLE = new Set(['PipeWrap', 'TTYWrap', 'CloseReq']);
const idle =
  typeof process.getActiveResourcesInfo === 'function' &&
  process.stdout.writableLength === 0 &&
  process.stderr.writableLength === 0 &&
  process.getActiveResourcesInfo().every((r) => IDLE.has(r));
if (idle) process.exit();
