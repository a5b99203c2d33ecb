/**
 * The tables flowc keeps across compiles in one process, keyed by text (a key as YAML writes it,
 * a memory quantity, a target's options): a build asks them again for every variant of a flow.
 * Each registers how to empty itself here.
 */
const forgetters: (() => void)[] = [];

export function registerMemo(forget: () => void): void {
  forgetters.push(forget);
}

/**
 * Empties every registered table, so the next compile finds what a new process finds. For
 * `npm run bench`: compiling one flow again and again in a process would otherwise find the texts
 * of a small flow all written by the runs before, which a 10,000-step flow outgrows, and the
 * figures would time the tables rather than the compiler. Compiled validators and code stay.
 */
export function forgetMemos(): void {
  for (const forget of forgetters) forget();
}
