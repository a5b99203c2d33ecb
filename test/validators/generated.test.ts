import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { FLOW_VALIDATOR_IMPORTS } from '../../src/flow/flowc-check.js';
import { generateValidatorsModule, validatorSpecs } from '../../src/validators/generate.js';
import { validatorKey } from '../../src/validators/kinds.js';
import { compileValidator, GENERATED_VALIDATORS_URL, validatorFor } from '../../src/validators/prebuilt.js';

const root = resolve(import.meta.dirname, '../..');
const generatedFile = fileURLToPath(GENERATED_VALIDATORS_URL);

/** Evaluates the generated module as the CLI would load it (its requires resolve from dist/). */
function load(text: string): Record<string, (imports: typeof FLOW_VALIDATOR_IMPORTS) => ValidateFunction> {
  const module = { exports: {} as Record<string, (imports: typeof FLOW_VALIDATOR_IMPORTS) => ValidateFunction> };
  new Function('module', 'exports', 'require', text)(module, module.exports, createRequire(generatedFile));
  return module.exports;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (statSync(file).isDirectory()) out.push(...yamlFiles(file));
    else if (/\.ya?ml$/.test(name)) out.push(file);
  }
  return out;
}

/** Every flow in the repository, plus copies broken in the ways the error reduction tells apart. */
function flowCorpus(): unknown[] {
  const flows: unknown[] = [];
  for (const file of [...yamlFiles(join(root, 'fixtures')), ...yamlFiles(join(root, 'examples'))]) {
    let data: unknown;
    try {
      data = parse(readFileSync(file, 'utf8'), { logLevel: 'silent' });
    } catch {
      continue;
    }
    if (data === null || typeof data !== 'object' || !('steps' in data)) continue;
    flows.push(data);
    const broken = structuredClone(data) as Record<string, unknown>;
    broken.nme = broken.name;
    delete broken.name;
    broken.schedule = { cron: '61 * * * *', timezone: 'Europe/Amsterdm' };
    broken.env = { FLOWC_X: 'a', '1bad': 'b' };
    const steps = broken.steps as Record<string, Record<string, unknown>>;
    steps.Bad_Id = { command: 'echo' };
    const first = Object.values(steps)[0];
    if (first !== null && typeof first === 'object') Object.assign(first, { timeout: '5 parsecs', retry: { limt: 2 }, resources: { memory: 'lots', cpu: [] }, needs: 'x y', extra: 1 });
    flows.push(broken);
  }
  return flows;
}

/** Every IR golden file, plus copies broken where an edited or older IR file would differ. */
function irCorpus(): unknown[] {
  const out: unknown[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.ir.json') && !name.includes('manifest')) out.push(JSON.parse(readFileSync(file, 'utf8')));
    }
  };
  walk(join(root, 'fixtures'));
  const broken = out.map((ir) => {
    const copy = structuredClone(ir) as Record<string, unknown>;
    copy.irVersion = 'x';
    delete copy.steps;
    copy.extra = [1];
    return copy;
  });
  return [...out, ...broken];
}

function errorsOf(validate: ValidateFunction, data: unknown): { valid: boolean; errors: unknown; data: unknown } {
  const copy = structuredClone(data);
  const valid = validate(copy) as boolean;
  return { valid, errors: structuredClone(validate.errors ?? null), data: copy };
}

describe('validators generated at build time (src/validators, scripts/gen-validators.mjs)', () => {
  const text = generateValidatorsModule();
  const generated = load(text);
  const specs = validatorSpecs();
  const flows = flowCorpus();
  const irs = irCorpus();

  it('cover every schema flowc validates at run time', () => {
    expect(specs.map((s) => s.kind).sort()).toEqual(expect.arrayContaining(['flow', 'ir', 'project', 'target-options', 'target-options-defaults']));
    for (const spec of specs) expect(generated[validatorKey(spec.kind, spec.schema)], spec.what).toBeTypeOf('function');
  });

  it('give the same verdicts, errors and filled-in defaults as the runtime compile', () => {
    expect(flows.length).toBeGreaterThan(20);
    let failing = 0;
    for (const spec of specs) {
      const fromBuild = generated[validatorKey(spec.kind, spec.schema)]!(FLOW_VALIDATOR_IMPORTS);
      const atRunTime = compileValidator(spec.kind, spec.schema);
      const inputs =
        spec.kind === 'flow'
          ? flows
          : spec.kind === 'ir'
            ? irs
            : spec.kind === 'project'
            ? [{ flowc: 1, bindings: [{ name: 'a', configs: { app: ['x.toml'] } }] }, { flowc: 'x', bindings: [{ nme: 1, configs: { app: [''] } }], out: '' }]
            : [{}, { bogus: 1 }, ...flows.map((f) => ((f as { targets?: Record<string, unknown> }).targets ?? {})).flatMap((t) => Object.values(t))];
      for (const input of inputs) {
        const a = errorsOf(fromBuild, input);
        const b = errorsOf(atRunTime, input);
        expect(a, `${spec.what} on ${JSON.stringify(input).slice(0, 200)}`).toEqual(b);
        if (!a.valid) failing++;
      }
    }
    // The corpus must exercise the error paths, not only valid input.
    expect(failing).toBeGreaterThan(flows.length / 2);
  });

  // `npm test` generates them before vitest runs; a bare `npx vitest` after `tsc` alone fails here
  // on purpose, as the tests that spawn the bin fail without dist/.
  it('are in step with the schemas in the built dist/ (run `npm run build` after a schema change)', () => {
    expect(existsSync(generatedFile), `${generatedFile} is missing: run npm run build`).toBe(true);
    expect(readFileSync(generatedFile, 'utf8') === text, `${generatedFile} is stale: run node scripts/gen-validators.mjs`).toBe(true);
    // And are what flowc uses: an ajv-compiled validator carries its schema environment, a generated one does not.
    for (const spec of specs) expect('schemaEnv' in validatorFor(spec.kind, spec.schema), spec.what).toBe(false);
  });

  it('fall back to compiling a schema the build has not seen', () => {
    const v = validatorFor('target-options', { type: 'object', properties: { fresh: { type: 'string' } } });
    expect('schemaEnv' in v).toBe(true);
    expect(v({ fresh: 1 })).toBe(false);
  });
});
