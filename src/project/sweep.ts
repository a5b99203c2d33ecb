import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { canonicalJson, sha256Hex } from '../source/canonical-json.js';

/** One `--sweep` argument: an override key and the values it takes, as written. */
export interface SweepAxis {
  arg: string;
  /** `''` changes a key, `+` adds one, `++` sets either way (SPEC section 4). */
  prefix: '' | '+' | '++';
  key: string;
  /** Each value's text, parsed as YAML later by the override grammar. */
  values: string[];
}

/** The most variants one sweep may produce: a typo like range(0,100000) should not start a long build. */
export const MAX_VARIANTS = 10_000;

/** The longest flow name (SPEC section 2: `^[a-z][a-z0-9-]{0,51}$`). */
const MAX_NAME = 52;
const HASH_LENGTH = 8;

/**
 * Parses one `--sweep KEY=VALUES` argument with Hydra's multirun grammar
 * (https://hydra.cc/docs/advanced/override_grammar/extended/#sweeps): a comma list `a,b,c`,
 * `choice(a,b,c)`, or `range(start,stop[,step])` / `range(stop)` (stop excluded, as in Python;
 * floats allowed). Commas inside quotes, brackets or braces do not split (`[1,2],[3]` is two
 * list values). Reports FLOWC720 (malformed) and FLOWC721 (bad range).
 */
export function parseSweep(arg: string, diagnostics: DiagnosticBag): SweepAxis | undefined {
  const m = /^(\+\+|\+|~)?([^=]+)=(.*)$/s.exec(arg);
  if (!m) {
    diagnostics.report('FLOWC720', `--sweep ${arg}: expected KEY=VALUES, e.g. app.lr=0.1,0.01 or app.epochs=range(1,4)`);
    return undefined;
  }
  if (m[1] === '~') {
    diagnostics.report('FLOWC720', `--sweep ${arg}: a sweep sets values; deleting a key (~) cannot be swept`);
    return undefined;
  }
  const key = (m[2] as string).trim();
  if (!/^[A-Za-z_][\w-]*(\.[\w-]+|\[\d+\])*$/.test(key)) {
    diagnostics.report('FLOWC720', `--sweep ${arg}: '${key}' is not a config key path (a config name, then dotted keys)`);
    return undefined;
  }
  const body = (m[3] as string).trim();
  const fn = /^(range|choice)\((.*)\)$/s.exec(body);
  let values: string[] | undefined;
  if (fn?.[1] === 'range') values = expandRange(arg, splitTopLevel(fn[2] as string), diagnostics);
  else values = splitTopLevel(fn ? (fn[2] as string) : body);
  if (values === undefined) return undefined;
  if (values.length === 0 || values.some((v) => v === '')) {
    diagnostics.report('FLOWC720', `--sweep ${arg}: every value must be non-empty (write '' for an empty string)`);
    return undefined;
  }
  return { arg, prefix: (m[1] ?? '') as SweepAxis['prefix'], key, values };
}

/** Splits on commas outside quotes and brackets; trims each part. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '{' || ch === '(') depth++;
    else if (ch === ']' || ch === '}' || ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function expandRange(arg: string, args: string[], diagnostics: DiagnosticBag): string[] | undefined {
  const nums = args.map((a) => (a.trim() === '' ? Number.NaN : Number(a)));
  if (args.length < 1 || args.length > 3 || nums.some((n) => !Number.isFinite(n))) {
    diagnostics.report('FLOWC721', `--sweep ${arg}: range takes 1 to 3 numbers: range(stop), range(start,stop) or range(start,stop,step)`);
    return undefined;
  }
  const [start, stop, step] = nums.length === 1 ? [0, nums[0] as number, 1] : [nums[0] as number, nums[1] as number, nums[2] ?? 1];
  if (step === 0) {
    diagnostics.report('FLOWC721', `--sweep ${arg}: the step of a range cannot be 0`);
    return undefined;
  }
  const count = Math.ceil((stop - start) / step - 1e-9);
  if (count <= 0) {
    diagnostics.report('FLOWC721', `--sweep ${arg}: the range is empty (stop is excluded; a negative step counts down)`);
    return undefined;
  }
  if (count > MAX_VARIANTS) {
    diagnostics.report('FLOWC723', `--sweep ${arg}: the range has ${count} values; a sweep may produce at most ${MAX_VARIANTS} variants`);
    return undefined;
  }
  // start + i*step, rounded to 12 significant digits so range(0,1,0.1) gives 0.3, not 0.30000000000000004.
  return Array.from({ length: count }, (_, i) => String(Number((start + i * step).toPrecision(12))));
}

/**
 * The cartesian product of the axes, first axis slowest (Hydra's and itertools.product's order).
 * Each variant is its list of override strings. Reports FLOWC722 for a key swept twice and FLOWC723
 * when the product exceeds MAX_VARIANTS.
 */
export function expandSweeps(axes: SweepAxis[], diagnostics: DiagnosticBag): string[][] | undefined {
  const seen = new Map<string, string>();
  let failed = false;
  for (const a of axes) {
    const previous = seen.get(a.key);
    if (previous !== undefined) {
      diagnostics.report('FLOWC722', `--sweep ${a.arg}: '${a.key}' is already swept by --sweep ${previous}; give all its values in one --sweep`);
      failed = true;
    }
    seen.set(a.key, a.arg);
  }
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > MAX_VARIANTS) {
    diagnostics.report('FLOWC723', `the sweep has ${total} variants (${axes.map((a) => a.values.length).join(' x ')}); at most ${MAX_VARIANTS} are allowed`);
    failed = true;
  }
  if (failed) return undefined;
  let variants: string[][] = [[]];
  for (const a of axes) variants = variants.flatMap((v) => a.values.map((value) => [...v, `${a.prefix}${a.key}=${value}`]));
  return variants;
}

/**
 * A variant's name, from its own overrides only (so adding values to a sweep never renames the
 * others): the flow name, then each value made name-safe, cut to fit, then 8 hex digits of the
 * SHA-256 of the overrides, which keeps two variants apart even when their values read alike
 * (`0.1` and `0-1`) or were cut off. Always a valid flow name of at most 52 characters.
 */
export function variantName(flowName: string, overrides: string[]): string {
  const hash = sha256Hex(canonicalJson(overrides)).slice(0, HASH_LENGTH);
  const slugs = overrides.map((o) => slug(o.slice(o.indexOf('=') + 1)));
  const readable = [flowName, ...slugs].join('-').slice(0, MAX_NAME - HASH_LENGTH - 1).replace(/-+$/, '');
  return `${readable}-${hash}`;
}

function slug(value: string): string {
  const s = value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return s === '' ? 'x' : s;
}
