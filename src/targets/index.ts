import { irTarget } from './ir/index.js';
import type { Target } from './target.js';

/** The only registry of targets: adding a backend is one line here plus its folder. */
export const TARGETS: readonly Target[] = [irTarget];

export function findTarget(name: string): Target | undefined {
  return TARGETS.find((t) => t.id === name || t.aliases.includes(name));
}
