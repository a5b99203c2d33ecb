/**
 * Bounds on the work `${...}` interpolation may do (docs/security.md, "Config and interpolation
 * limits"). Configs and flows come from pull requests in CI: a few lines whose references repeat
 * references (`a: "${b}${b}"`, `b: "${c}${c}"`, ...) would otherwise grow exponentially, and a long
 * chain of references would exhaust the stack. Each limit is a count, never a clock, so a compile
 * refuses the same input the same way on every machine.
 */
export const INTERPOLATION_LIMITS = {
  /** UTF-8 bytes of text (strings and map keys) that interpolation may produce in one config. */
  configBytes: 8 * 1024 * 1024,
  /** Values (scalars, maps, lists) that interpolation may produce in one config. */
  configNodes: 100_000,
  /** References resolved inside one another (`a` reads `b`, which reads `c`, ...). */
  referenceDepth: 64,
  /** Levels of nesting a config may reach once whole-value references have copied maps and lists into place. */
  configDepth: 256,
  /** UTF-8 bytes of config text a flow's `${...}` references may copy into the flow, per compile. */
  flowBytes: 32 * 1024 * 1024,
  /** Values a flow's `${...}` references may copy into the flow, per compile. */
  flowNodes: 500_000,
} as const;

/** What a produced value costs against a budget. */
export interface Cost {
  bytes: number;
  nodes: number;
}

/**
 * A running total of produced bytes and nodes against two ceilings. `charge` refuses (and keeps
 * the total unchanged) when a cost would cross either one, so the caller can stop before it
 * builds the value.
 */
export class OutputBudget {
  private bytes = 0;
  private nodes = 0;

  constructor(private readonly limits: { bytes: number; nodes: number }) {}

  charge(cost: Cost): boolean {
    if (this.bytes + cost.bytes > this.limits.bytes || this.nodes + cost.nodes > this.limits.nodes) return false;
    this.bytes += cost.bytes;
    this.nodes += cost.nodes;
    return true;
  }

  /** Which ceiling a refused cost would have crossed, for the message. */
  describeOverrun(cost: Cost): string {
    if (this.bytes + cost.bytes > this.limits.bytes) return `more than ${this.limits.bytes} bytes of text (${formatMiB(this.limits.bytes)})`;
    return `more than ${this.limits.nodes} values`;
  }
}

export function textBytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function formatMiB(bytes: number): string {
  return `${bytes / (1024 * 1024)} MiB`;
}
