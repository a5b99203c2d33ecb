/**
 * State names (ASL "States": names are unique in the whole state machine and at most 80
 * characters, https://states-language.net/#states-fields and the Step Functions quotas).
 *
 * A step's Task state is named by its step id exactly (`^[a-z][a-z0-9_]{0,39}$` always fits), so
 * execution history reads like the flow. Every state flowc adds has a `-` in its name, which step
 * ids cannot contain, so the two never collide; added names are made unique with a counter.
 */
export const MAX_STATE_NAME = 80;

export class StateNames {
  private readonly used = new Set<string>();
  private parallelCount = 0;

  /** The Task state of a step: its id. */
  step(id: string): string {
    return this.claim(id);
  }

  /** A flowc-made state (`flowc-parameters`, `train-items`). */
  fixed(name: string): string {
    return this.claim(name);
  }

  /**
   * A Parallel state, numbered in document order and named by the first and last steps it holds,
   * e.g. `parallel-2-fetch-to-train`; long step ids are cut so the name fits.
   */
  parallel(first: string, last: string): string {
    this.parallelCount++;
    const head = `parallel-${this.parallelCount}-`;
    const tail = first === last ? first : `${first}-to-${last}`;
    return this.claim(fit(head, tail));
  }

  private claim(name: string): string {
    if (name.length > MAX_STATE_NAME) throw new Error(`internal: state name over ${MAX_STATE_NAME} characters: ${name}`);
    if (this.used.has(name)) throw new Error(`internal: duplicate state name ${name}`);
    this.used.add(name);
    return name;
  }
}

/** `head + tail`, with tail cut to keep the whole within the limit. */
function fit(head: string, tail: string): string {
  return head + tail.slice(0, MAX_STATE_NAME - head.length);
}
