import { registerMemo } from './process-memos.js';

/**
 * `fn` with its answers kept by input text, for a pure function of a string that every unit of a
 * build asks again with the same text (a memory quantity, a cron line, whether a config value looks
 * like a credential). The answer depends on the text alone, so nothing of one unit reaches
 * another; answers are frozen so no caller can change one another caller gets. Per thread, at
 * most `max` texts; past that, answers are computed and not kept (a sweep of distinct values).
 */
export function memoByText<T>(fn: (text: string) => T, max = 4096): (text: string) => T {
  const answers = new Map<string, T>();
  registerMemo(() => answers.clear());
  return (text) => {
    let answer = answers.get(text);
    if (answer === undefined && !answers.has(text)) {
      answer = fn(text);
      freeze(answer);
      if (answers.size < max) answers.set(text, answer);
    }
    return answer as T;
  };
}

function freeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) freeze(v);
}
