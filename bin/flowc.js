#!/usr/bin/env node
// The bin only loads the compiled CLI so start-up never pays for a TypeScript loader. It prefers
// the bundle (scripts/bundle-cli.mjs; a cold start loads a few files instead of ~300 modules) when
// it was made from the current dist: `tsc` rewrites every file it emits, so a dist/cli/main.js
// newer than the bundle means the bundle is stale and the modules themselves are loaded.
import { statSync } from 'node:fs';

const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
const bundled = mtime('../dist/bundle/flowc.js');
const current = bundled !== undefined && bundled >= (mtime('../dist/cli/main.js') ?? 0);
const { main } = await import(current ? '../dist/bundle/flowc.js' : '../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
