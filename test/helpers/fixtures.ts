import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatDiagnostics } from '../../src/diagnostics/print.js';
import type { IR } from '../../src/ir/types.js';
import { compileToIR, type CompileRequest } from '../../src/pipeline/compile.js';
import { relativeTo } from '../../src/pipeline/paths.js';

export const FIXTURES = resolve(import.meta.dirname, '../../fixtures');

/** Extra CLI-like arguments of a fixture, from `fixtures/<case>/args.json` (paths relative to the case). */
export interface FixtureArgs {
  configs?: { name: string; file: string }[];
  sets?: string[];
  env?: Record<string, string>;
}

/** The valid fixture cases: folders of `fixtures/` holding a flow.yaml (error cases live in fixtures/errors/). */
export function validFixtures(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'errors' && existsSync(join(FIXTURES, d.name, 'flow.yaml')))
    .map((d) => d.name)
    .sort();
}

/** The error fixture cases under fixtures/errors/. */
export function errorFixtures(): string[] {
  const dir = join(FIXTURES, 'errors');
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export function fixtureDir(name: string): string {
  return join(FIXTURES, name);
}

export function fixtureArgs(dir: string): FixtureArgs {
  const p = join(dir, 'args.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as FixtureArgs) : {};
}

/** The compile request of a fixture, run as if from inside its folder. */
export function fixtureRequest(dir: string): CompileRequest {
  const args = fixtureArgs(dir);
  return { flowPath: 'flow.yaml', cwd: dir, configs: args.configs ?? [], sets: args.sets ?? [], env: args.env ?? {} };
}

/** Compiles a valid fixture to its IR; fails loudly with the diagnostics if it does not compile. */
export function fixtureIR(name: string): IR {
  const dir = fixtureDir(name);
  const result = compileToIR(fixtureRequest(dir));
  if (!result.ir) {
    throw new Error(`fixture ${name} did not compile:\n${formatDiagnostics(result.diagnostics, { relativize: (p) => relativeTo(dir, p) })}`);
  }
  return result.ir;
}
