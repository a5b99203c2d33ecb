import { setOwn } from '../../src/source/own-keys.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Ajv } from 'ajv';
import type { IR } from '../../src/ir/types.js';
import type { Artifact } from '../../src/targets/target.js';
import { parse as parseYaml } from 'yaml';
import { expectedContainers, simulate } from '../targets/argo/argo-sim.js';
import { validateArgo } from '../targets/argo/helpers.js';
import { checkExecution, execute } from '../targets/gcp-workflows/helpers.js';
import { schemaErrors, structureProblems } from '../targets/gcp-workflows/structure.js';
import { lintFindings } from '../targets/github-actions/helpers.js';
import { aslErrors, sampleInput, specProblems } from '../targets/stepfunctions/helpers.js';

/**
 * Every target's artifacts judged by that target's oracle (ORACLES.md), the way the per-target
 * tests judge them, so a fuzzer or a corpus can run all of them on each flow:
 * - ir: schemas/ir.schema.json;
 * - argo: @kubernetes-models/argo-workflows plus the cross-reference checks of test/targets/argo;
 * - stepfunctions: asl-validator (its two documented false rejections neutralised by its helper)
 *   and the spec evaluator, which checks every step's command and environment text exactly;
 * - github-actions: actionlint v1.7.7, tolerating only findings GitHub's docs contradict;
 * - gcp-workflows: the project's schema, the structure walk, and a run in the interpreter.
 * Validators are slow, so each distinct artifact text is judged once per test file.
 */

const irSchema = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../schemas/ir.schema.json'), 'utf8')) as object;
const validateIRSchema = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(irSchema);

const seen = new Map<string, string[]>();
let validations = 0;

/** How many artifacts the validators really ran on (distinct ones), for the tests' summaries. */
export function validationCount(): number {
  return validations;
}

const key = (kind: string, text: string) => `${kind}:${createHash('sha256').update(text).digest('hex')}`;

async function once(kind: string, text: string, run: () => Promise<string[]> | string[]): Promise<string[]> {
  const k = key(kind, text);
  const hit = seen.get(k);
  if (hit) return hit;
  validations++;
  let problems: string[];
  const t0 = performance.now();
  try {
    problems = await run();
  } catch (e) {
    problems = [`${kind} validator threw: ${(e as Error).message}`];
  }
  if (process.env.FUZZ_PROFILE) console.log(`${kind} ${text.length} bytes ${Math.round(performance.now() - t0)} ms`);
  seen.set(k, problems);
  return problems;
}

/** Which target wrote an artifact, by its file name (docs/targets: `<name>.argo.yaml`, ...). */
export function artifactKind(path: string): string {
  if (path.endsWith('.ir.json')) return 'ir';
  if (path.endsWith('.argo.yaml')) return 'argo';
  if (path.endsWith('.asl.json')) return 'stepfunctions';
  if (path.endsWith('.gha.yml')) return 'github-actions';
  if (path.endsWith('.gcp.yaml')) return 'gcp-workflows';
  if (path.endsWith('.json')) return 'json';
  return 'other';
}

export interface ValidateOptions {
  /** Run the Cloud Workflows output in the interpreter too (slow for very large flows). */
  execute?: boolean;
  /** Runner labels the flow configured for GitHub Actions (actionlint knows only hosted ones). */
  customLabels?: string[];
}

/** Problems found in a compile's artifacts, as `path: problem` lines; [] when every oracle accepts. */
export async function artifactProblems(ir: IR, artifacts: Artifact[], options: ValidateOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for (const a of artifacts) {
    const kind = artifactKind(a.path);
    let problems: string[] = [];
    switch (kind) {
      case 'ir':
        problems = await once(kind, a.contents, () => (validateIRSchema(JSON.parse(a.contents)) ? [] : (validateIRSchema.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`)));
        break;
      case 'argo':
        problems = await once(kind, a.contents, () => {
          const wt = validateArgo(a.contents)[0] as Record<string, any>;
          // Every container as Argo would start it (argo-sim.ts) against what the IR asks for.
          const run = { workflowName: `${wt.metadata.name}-abcde`, params: argoParams(ir) };
          const got = simulate(wt, run);
          // FLOWC_CONFIG is left out when it would break a limit (FLOWC606); judge by the artifact.
          const want = expectedContainers(ir, { ...run, includeConfig: /name: FLOWC_CONFIG$/m.test(a.contents) });
          if (isDeepStrictEqual(got, want)) return [];
          return [...want.keys()].filter((k) => !isDeepStrictEqual(got.get(k), want.get(k))).map((k) => `step ${k}: containers ${JSON.stringify(got.get(k)).slice(0, 500)}, IR wants ${JSON.stringify(want.get(k)).slice(0, 500)}`);
        });
        break;
      case 'stepfunctions':
        problems = await once(kind, a.contents, () => {
          const def = JSON.parse(a.contents) as Record<string, any>;
          const includeConfig = a.contents.includes('"FLOWC_CONFIG"');
          return [...aslErrors(def), ...specProblems(ir, def, { input: sampleInput(ir), runId: 'fuzz-run', includeConfig })];
        });
        break;
      case 'github-actions':
        problems = await once(kind, a.contents, async () => [
          ...(await lintFindings(a.contents, options.customLabels ? { customLabels: options.customLabels } : {})).map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`),
          ...ghaEnvProblems(ir, a.contents),
        ]);
        break;
      case 'gcp-workflows':
        problems = await once(kind, a.contents, async () => {
          const found = [...schemaErrors(a.contents), ...structureProblems(ir, a.contents)];
          if (found.length > 0 || options.execute === false) return found;
          const args: Record<string, string | number | boolean> = {};
          for (const p of ir.parameters) if (p.required) setOwn(args, p.name, p.enum?.[0] ?? (p.type === 'string' ? 'v' : p.type === 'boolean' ? true : 2));
          const e = await execute(a.contents, args);
          const missing = e.jobs.flatMap((j) => (ir.steps.find((st) => st.id === j.step)?.env ?? []).filter((v) => !Object.hasOwn(j.env, v.name)).map((v) => `step ${j.step}: env ${v.name} missing in the job`));
          return [...checkExecution(ir, e), ...missing];
        });
        break;
      case 'json':
        problems = await once(kind, a.contents, () => {
          JSON.parse(a.contents);
          return [];
        });
        break;
    }
    for (const p of problems) out.push(`${a.path}: ${p}`);
  }
  return out;
}

/** Every env variable of every step is set for its job (job, workflow or step env). */
function ghaEnvProblems(ir: IR, text: string): string[] {
  const wf = parseYaml(text, { version: '1.2' }) as Record<string, any>;
  const problems: string[] = [];
  for (const job of Object.values((wf.jobs ?? {}) as Record<string, any>)) {
    const step = ir.steps.find((s) => s.id === job.env?.FLOWC_STEP);
    if (!step) continue;
    const names = new Set([...Object.keys(wf.env ?? {}), ...Object.keys(job.env ?? {}), ...((job.steps ?? []) as any[]).flatMap((st) => Object.keys(st.env ?? {}))]);
    for (const v of step.env) if (!names.has(v.name)) problems.push(`step ${step.id}: env ${v.name} missing in its job`);
  }
  return problems;
}

/** Values for the required parameters of a run (argo-sim's sampleParams, but within each enum). */
function argoParams(ir: IR): Record<string, string> {
  // Null prototype: argo-sim looks values up by parameter name, and `constructor` is one.
  const out = Object.create(null) as Record<string, string>;
  for (const p of ir.parameters) if (p.default === undefined) out[p.name] = p.enum ? String(p.enum[0]) : `v-${p.name}`;
  return out;
}
