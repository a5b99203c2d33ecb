import type { AslState } from './task.js';

/** A branch of a Parallel state: its own little state machine. */
export interface Branch {
  StartAt: string;
  States: Record<string, AslState>;
}

/**
 * A `Parallel` state (https://states-language.net/#parallel-state) running each branch on the
 * same input. Its result (the list of branch outputs) is discarded with `ResultPath: null`, so
 * the parameters in its input reach the states after it.
 */
export function parallelState(branches: Branch[]): AslState {
  return { Type: 'Parallel', Branches: branches, ResultPath: null };
}
