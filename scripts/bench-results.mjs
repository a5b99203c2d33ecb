// bench/results.json is written by several benchmark scripts, each under its own key; scripts/bench.mjs
// empties it first, so a figure never outlives the run that measured it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_FILE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'bench', 'results.json');

/** Sets `fields` in bench/results.json, keeping what other scripts wrote there. */
export function mergeResults(fields) {
  mkdirSync(dirname(RESULTS_FILE), { recursive: true });
  let all = {};
  try {
    all = JSON.parse(readFileSync(RESULTS_FILE, 'utf8'));
  } catch {
    // first writer
  }
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...all, ...fields }, null, 2)}\n`);
}
