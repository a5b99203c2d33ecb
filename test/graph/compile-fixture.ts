import { join } from 'node:path';
import type { IR } from '../../src/ir/types.js';
import { compileToIR } from '../../src/pipeline/compile.js';
import { fixtureArgs, fixtureDir } from '../helpers/fixtures.js';

/** A valid fixture's IR, with its args.json configs; throws on any error. */
export function compileFixtureIR(name: string): IR {
  const dir = fixtureDir(name);
  const args = fixtureArgs(dir);
  const result = compileToIR({ flowPath: join(dir, 'flow.yaml'), configs: args.configs ?? [], sets: args.sets ?? [], env: args.env ?? {}, cwd: dir });
  if (!result.ir) throw new Error(`fixture ${name} did not compile: ${result.diagnostics.map((d) => d.message).join('; ')}`);
  return result.ir;
}
