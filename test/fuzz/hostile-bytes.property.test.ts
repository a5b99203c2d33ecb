import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbFlowCase } from '../helpers/arbitrary-flow.js';
import { FIXTURES, validFixtures } from '../helpers/fixtures.js';
import { outcomeProblems, runInProcess } from './cli-run.js';
import { explore, FUZZ_TIMEOUT, fuzzParams, keepFailure, tempRoot, writeTree } from './helpers.js';
import { type Mutation, mutate, mutationArb } from './mutations.js';

/**
 * Fuzz (b): shipped inputs with their bytes damaged, run through the CLI in-process. Whatever
 * the damage, flowc must end with exit 0 (the damage was harmless) or exit 1 with coded, located
 * diagnostics; never exit 70 or a stack trace, never output on stdout when it fails.
 */

/** A project to damage: its files, the files worth damaging, and the command to run on it. */
interface Seed {
  name: string;
  files: Record<string, Buffer>;
  targets: string[];
  args: string[];
}

function readTree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (e === 'expected') continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p);
    }
  };
  walk(dir);
  return out;
}


function seeds(): Seed[] {
  const out: Seed[] = [];
  for (const name of validFixtures()) {
    const files = readTree(join(FIXTURES, name));
    const args = existsArgs(files);
    out.push({
      name,
      files,
      targets: Object.keys(files).filter((f) => /\.(ya?ml|toml|json)$/.test(f) && f !== 'args.json'),
      args: [name.length % 2 === 0 ? 'validate' : 'compile', 'flow.yaml', '--target', 'all', ...(name.length % 2 === 0 ? [] : ['--out', 'out']), ...args],
    });
  }
  const project = readTree(join(FIXTURES, 'projects/content-model'));
  out.push({ name: 'project', files: project, targets: Object.keys(project).filter((f) => /\.(ya?ml|toml|json)$/.test(f)), args: ['build', '--jobs', '1', '--no-cache'] });
  // Generated projects give config files in every format (the shipped fixtures are TOML only).
  const generated = fc.sample(arbFlowCase({ maxSteps: 6 }), { numRuns: 6, seed: 42 });
  generated.forEach((c, i) => {
    const files = Object.fromEntries(Object.entries(c.files).map(([k, v]) => [k, Buffer.from(v)]));
    out.push({
      name: `generated-${i}`,
      files,
      targets: Object.keys(files),
      args: ['config', c.flowPath, ...c.configs.flatMap((x) => ['--config', `${x.name}=${x.file}`]), ...c.sets.flatMap((s) => ['--set', s])],
    });
  });
  return out;
}

function existsArgs(files: Record<string, Buffer>): string[] {
  const raw = files['args.json'];
  if (!raw) return [];
  const a = JSON.parse(raw.toString('utf8')) as { configs?: { name: string; file: string }[]; sets?: string[] };
  return [...(a.configs ?? []).flatMap((c) => ['--config', `${c.name}=${c.file}`]), ...(a.sets ?? []).flatMap((s) => ['--set', s])];
}

const SEEDS = seeds();
const root = tempRoot('flowc-fuzz-bytes-');
let n = 0;

const caseArb = fc.record({
  seed: fc.nat({ max: SEEDS.length - 1 }),
  file: fc.nat(),
  other: fc.nat(),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
});

function damaged(c: { seed: number; file: number; other: number; mutations: Mutation[] }): { seed: Seed; files: Record<string, Buffer>; target: string } {
  const seed = SEEDS[c.seed] as Seed;
  const target = seed.targets[c.file % seed.targets.length] as string;
  const allFiles = Object.values(seed.files);
  const other = allFiles[c.other % allFiles.length] as Buffer;
  let bytes = seed.files[target] as Buffer;
  for (const m of c.mutations) bytes = mutate(bytes, m, other);
  return { seed, files: { ...seed.files, [target]: bytes }, target };
}

describe('damaged flows, configs and project files (fuzz b)', () => {
  it('end in exit 0, or exit 1 with coded, located diagnostics; never 70, a stack trace or stdout', async () => {
    const exits = { ok: 0, failed: 0 };
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const { seed, files, target } = damaged(c);
        const dir = join(root, String(n));
        writeTree(dir, files);
        // Half the runs read the JSON diagnostics (every one located and coded), half the text a
        // terminal shows (every line one flowc prints, no raw control characters).
        const json = n++ % 2 === 0;
        const args = [...seed.args, '--diagnostics', json ? 'json' : 'text'];
        const o = await runInProcess(args, dir);
        const problems = outcomeProblems(o, { json });
        if (problems.length > 0 && explore(problems, () => keepFailure(`bytes-${seed.name}`, { files, flowPath: 'flow.yaml', configs: [], sets: [], env: {} }), args)) return;
        if (problems.length > 0) {
          const where = keepFailure(`bytes-${seed.name}`, { files, flowPath: 'flow.yaml', configs: [], sets: [], env: {} });
          expect(problems, `flowc ${args.join(' ')} on ${target} damaged by ${JSON.stringify(c.mutations).slice(0, 400)}; files in ${where}`).toEqual([]);
        }
        if (o.code === 0) exits.ok++;
        else exits.failed++;
      }),
      fuzzParams(300),
    );
    // The damage must mostly be caught, and some must be harmless (a comment, a blank line).
    expect(exits.failed).toBeGreaterThan(exits.ok);
  }, FUZZ_TIMEOUT);
});
