#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) and the build pool's worker entry into a few files
// under dist/bundle/, which bin/flowc.js loads when present. Loading ~240 ESM modules plus yaml's
// and commander's ~80 CommonJS files was most of a cold start; one file parses and links at once.
// Runs after `tsc` (package.json build/prepare/test/bench). Packages loaded lazily and only by
// some commands stay external (ajv for user config schemas, handlebars, the cloud SDKs).
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
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
const external = (id) => id.startsWith('node:') || (!id.startsWith('.') && !id.startsWith('/') && EXTERNAL.some((p) => packageOf(id) === p || packageOf(id).startsWith(`${p}/`)));
// The CLI as CommonJS chunks (flowc.cjs and what it requires), which bin/load-bundle.cjs compiles
// with V8's code cache: Node 20's ESM loader takes no cached data.
// import() in code run by vm.Script needs a callback, which Node 20 allows only with
// --experimental-vm-modules (or its default loader, with an ExperimentalWarning on stderr): the
// lazily loaded packages are imported by bin/load-bundle.cjs's own import(), passed to each chunk
// as __flowcImport.
const lazyImports = {
  name: 'flowc-lazy-imports',
  transform(code) {
    if (!code.includes('import(')) return null;
    const out = code.replace(/\bimport\((['"])([^'"./][^'"]*)\1\)/g, (whole, q, id) => (external(id) && !id.startsWith('node:') ? `__flowcImport(${q}${id}${q})` : whole));
    return out === code ? null : { code: out, map: null };
  },
};
// commander requires node:child_process as it loads, for subcommands run as executables of their
// own, which flowc declares none of: it loaded child_process, net and dgram into every command
// (~4 ms of a 200 ms start). In the bundle it is required when such a subcommand would spawn.
const COMMANDER_SPAWN = "const childProcess = require('node:child_process');";
const lazyChildProcess = {
  name: 'flowc-lazy-child-process',
  transform(code, id) {
    if (!id.replaceAll('\\', '/').endsWith('/node_modules/commander/lib/command.js')) return null;
    if (!code.includes(COMMANDER_SPAWN)) throw new Error(`bundle-cli: commander's command.js no longer starts with ${COMMANDER_SPAWN}; update flowc-lazy-child-process`);
    return { code: code.replace(COMMANDER_SPAWN, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"), map: null };
  },
};
await build({
  // The build pool's worker entry in the same build, so it shares the CLI's chunks and their code
  // cache: a worker then starts as fast as the CLI instead of compiling its own 1.2 MB copy.
  input: { flowc: join(root, 'dist/cli/main.js'), 'compile-worker': join(root, 'dist/project/compile-worker.js') },
  platform: 'node',
  external,
  plugins: [lazyImports, lazyChildProcess],
  logLevel: 'warn',
  output: { dir: out, format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs', minify: false },
});
for (const name of readdirSync(out).filter((n) => n.endsWith('.cjs'))) {
  const text = readFileSync(join(out, name), 'utf8');
  const left = /\bimport\(['"][^'"./]/.exec(text);
  if (left) throw new Error(`bundle-cli: ${name} still has ${left[0]}...: add its package to the lazy imports`);
  // ASCII only, each other character as its \u escape (the same in strings, regular expressions
  // and comments): V8 then keeps the source as one byte per character and decodes it faster, and
  // the dozen characters such as '–' in messages made every chunk they were in twice the size.
  // A backslash before such a character would turn the escape into a literal backslash.
  if (/\\[^\x00-\x7f]/.test(text)) throw new Error(`bundle-cli: ${name} has a backslash before a non-ASCII character; escape it in the source`);
  const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (ascii !== text) writeFileSync(join(out, name), ascii);
}
// src/project/compile-units.ts starts ./compile-worker.js beside the chunk that runs it: a worker
// thread is given a file, so this one loads the worker's chunk as bin/flowc.js loads the CLI's.
writeFileSync(
  join(out, 'compile-worker.js'),
  `import { createRequire } from 'node:module';\nimport { fileURLToPath } from 'node:url';\n` +
    `createRequire(import.meta.url)('../../bin/load-bundle.cjs').loadBundle(fileURLToPath(new URL('./compile-worker.cjs', import.meta.url)));\n`,
);

// ajv and ajv-formats in one CommonJS file for compiling user config schemas (src/validators/
// ajv-modules.ts). One bundle for all so ajv-formats, the standalone writer and every Ajv class
// share ajv's codegen.
const AJV_IDS = ['ajv', 'ajv/dist/2019.js', 'ajv/dist/2020.js', 'ajv-formats', 'ajv/dist/standalone/index.js'];
const entry = join(out, 'ajv-entry.cjs');
mkdirSync(out, { recursive: true });
writeFileSync(entry, AJV_IDS.map((id) => `exports[${JSON.stringify(id)}] = require(${JSON.stringify(id)});`).join('\n'));
try {
  await build({ input: entry, platform: 'node', logLevel: 'warn', output: { file: join(out, 'ajv.cjs'), format: 'cjs', minify: false } });
} finally {
  rmSync(entry, { force: true });
}

// V8's code cache of the CLI chunks and of the generated validators they load, from runs of typical
// commands (a compile of a flow with a config schema, `flowc targets`, and a build of a project
// whose cache is warm, into an empty folder and then up to date): its bytecode includes the
// functions that run compiled, which a cache made before running would leave to be compiled again
// on every start. The build's cache is filled first by a process that records nothing, so the
// compile chunk's cache holds what a cache hit runs, not every target's code. Made by the Node
// that builds; another V8 rejects it and the CLI runs as without it (bin/load-bundle.cjs).
const fixture = join(root, 'fixtures/ml-training');
const projectFixture = join(root, 'fixtures/projects/content-model');
// Its own folder for the schema cache, the build cache and the project: the user's are left alone.
const work = mkdtempSync(join(tmpdir(), 'flowc-bundle-'));
const env = { ...process.env, FLOWC_SCHEMA_CACHE_DIR: join(work, 'schemas'), FLOWC_CACHE_DIR: join(work, 'cache'), CI: 'true' };
const runs = [['targets']];
if (existsSync(join(fixture, 'flow.yaml'))) runs.unshift(['compile', join(fixture, 'flow.yaml'), '--config', `app=${join(fixture, 'config/ctr.toml')}`, '--target', 'ir']);
const buildArgs = ['build', '-p', join(work, 'project'), '--out', join(work, 'out'), '--jobs', '1'];
const withBuild = existsSync(join(projectFixture, 'flowc.yaml'));
if (withBuild) runs.push(buildArgs, buildArgs);
const produce = `
const loader = require(${JSON.stringify(join(root, 'bin/load-bundle.cjs'))});
loader.startRecording();
const { exports: cli } = loader.loadBundle(${JSON.stringify(join(out, 'flowc.cjs'))});
(async () => {
  for (const argv of ${JSON.stringify(runs)}) if ((await cli.main(argv)) !== 0) throw new Error('flowc ' + argv.join(' ') + ' failed');
  loader.writeRecordedCodeCache();
})().catch((e) => { console.error(e); process.exit(1); });
`;
rmSync(join(root, 'dist/validators/code-cache'), { recursive: true, force: true });
try {
  if (withBuild) {
    cpSync(projectFixture, join(work, 'project'), { recursive: true });
    const filled = spawnSync(process.execPath, [join(root, 'bin/flowc.js'), ...buildArgs], { cwd: work, encoding: 'utf8', env });
    if (filled.status !== 0) throw new Error(`bundle-cli: filling the build cache failed (exit ${filled.status}): ${filled.stderr}`);
    rmSync(join(work, 'out'), { recursive: true, force: true });
  }
  // Its messages (the fixture's warnings) only when it fails.
  const made = spawnSync(process.execPath, ['-e', produce], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env });
  if (made.status !== 0) throw new Error(`bundle-cli: making the code cache failed (exit ${made.status}): ${made.stderr}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
