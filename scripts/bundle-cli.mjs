#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) and the build pool's worker entry into a few files
// under dist/bundle/, which bin/flowc.js loads when present. Loading ~240 ESM modules plus yaml's
// and commander's ~80 CommonJS files was most of a cold start; one file parses and links at once.
// Runs after `tsc` (package.json build/prepare/test/bench). Packages loaded lazily and only by
// some commands stay external (ajv for user config schemas, handlebars, the cloud SDKs).
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'bundle');
// Left to Node: packages only some commands load, lazily (ajv for user config schemas, handlebars
// for templates, the cloud SDKs for deploy, graphviz for SVG). Everything else is bundled.
const EXTERNAL = ['ajv', 'ajv-formats', 'handlebars', '@aws-sdk', '@google-cloud', '@kubernetes', '@hpcc-js'];
const packageOf = (id) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0]);

rmSync(out, { recursive: true, force: true });
let build;
try {
  ({ build } = await import('rolldown'));
} catch (e) {
  // rolldown comes with vite (a dev dependency). Without it the bin loads dist/ module by module.
  if (e?.code !== 'ERR_MODULE_NOT_FOUND') throw e;
  console.warn('bundle-cli: rolldown is not installed; bin/flowc.js will load the unbundled dist/');
  process.exit(0);
}
await build({
  input: { flowc: join(root, 'dist/cli/main.js'), 'compile-worker': join(root, 'dist/project/compile-worker.js') },
  platform: 'node',
  external: (id) => id.startsWith('node:') || (!id.startsWith('.') && !id.startsWith('/') && EXTERNAL.some((p) => packageOf(id) === p || packageOf(id).startsWith(`${p}/`))),
  logLevel: 'warn',
  output: { dir: out, format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js', minify: false },
});

// ajv and ajv-formats in one CommonJS file for compiling user config schemas (src/validators/
// ajv-modules.ts). One bundle for all four so ajv-formats and every Ajv class share ajv's codegen.
const AJV_IDS = ['ajv', 'ajv/dist/2019.js', 'ajv/dist/2020.js', 'ajv-formats'];
const entry = join(out, 'ajv-entry.cjs');
mkdirSync(out, { recursive: true });
writeFileSync(entry, AJV_IDS.map((id) => `exports[${JSON.stringify(id)}] = require(${JSON.stringify(id)});`).join('\n'));
try {
  await build({ input: entry, platform: 'node', logLevel: 'warn', output: { file: join(out, 'ajv.cjs'), format: 'cjs', minify: false } });
} finally {
  rmSync(entry, { force: true });
}
