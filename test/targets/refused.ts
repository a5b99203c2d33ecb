import { validFixtures } from '../helpers/fixtures.js';

/**
 * Valid fixtures (fixtures/<case>, which the front end accepts) that a target refuses on purpose,
 * with the error codes it must report; the diagnostics are that pair's golden file
 * (`expected/<name>.<target>.diagnostics.txt`). Every target has an entry, empty when it compiles
 * every fixture. Tests decide from this list which checks to run, when they are collected: no test
 * skips itself at run time.
 */
export const REFUSED: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  ir: {},
  // Step outputs (issue 17): each target engineer removes its entry once the target renders them.
  argo: {},
  'gcp-workflows': {},
  'github-actions': {},
  stepfunctions: { 'dynamic-shards': ['FLOWC635'] },
};

/** The valid fixtures `target` compiles (all but the ones it refuses). */
export function compiledFixtures(target: string): string[] {
  const refused = REFUSED[target];
  if (!refused) throw new Error(`test/targets/refused.ts has no entry for target ${target}`);
  return validFixtures().filter((name) => refused[name] === undefined);
}
