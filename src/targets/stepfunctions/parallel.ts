import type { AslState } from './task.js';

/** A branch of a Parallel state: its own little state machine. */
export interface Branch {
  StartAt: string;
  States: Record<string, AslState>;
}

/**
 * A `Parallel` state (https://states-language.net/#parallel-state) running each branch on the
 * same input. Its result (the list of branch outputs) is discarded with `ResultPath: null`, so
 * the parameters in its input reach the states after it; when branches read step outputs,
 * `gathered` (outputs.ts) selects them from the branch outputs into `$.outputs` instead.
 */
export function parallelState(branches: Branch[], gathered: { ResultSelector: Record<string, string>; ResultPath: string } | null = null): AslState {
  if (gathered) return { Type: 'Parallel', Branches: branches, ResultSelector: gathered.ResultSelector, ResultPath: gathered.ResultPath };
  return { Type: 'Parallel', Branches: branches, ResultPath: null };
}
