/**
 * The bounds flowc puts on every input file it reads (docs/security.md, "Input limits"). Each one
 * turns a file that would hang flowc, exhaust its memory or overflow its stack into a coded
 * diagnostic; none of them is reachable by a realistic flow or config.
 */

/** Largest input file read, in bytes (16 MiB); a bigger one is FLOWC007. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * Deepest nesting of maps and lists in a YAML, JSON or TOML document (FLOWC107). The parsers and
 * every later pass over a tree recurse once per level; 200 levels stay far from Node's stack limit
 * while no pipeline definition comes near them.
 */
export const MAX_NESTING = 200;

/**
 * Most nodes YAML aliases may add to one document, counting every copy of every node an alias
 * stands for (FLOWC106). A tree is therefore never larger than its source text plus this budget,
 * however aliases of aliases multiply.
 */
export const ALIAS_NODE_BUDGET = 1_000_000;

/** Bytes in a human form for messages: "16 MiB". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}
