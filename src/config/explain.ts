import { formatOrigin } from './origin.js';
import type { LeafProvenance, ResolvedConfigs } from './types.js';

export interface ExplainOptions {
  resolved: ResolvedConfigs;
  /** Turns absolute paths into what the user should see (relative to the working directory). */
  relativize: (absPath: string) => string;
}

/**
 * The text of `flowc config --explain` (SPEC §4): every leaf of every config as
 * `app.train.cpu = 8` (values as compact JSON), then indented lines saying where it came from,
 * what an interpolation read, and each value it overrode, most recent first:
 *
 *     app.train.cpu = 8
 *       from --set app.train.cpu=8
 *       overrode 4 from config/variant.toml:5:7
 *
 * Configs in declaration order, leaves sorted by path; nothing depends on the clock or machine.
 */
export function explainConfig(options: ExplainOptions): string {
  const { resolved, relativize } = options;
  const lines: string[] = [];
  for (const [name, leaves] of Object.entries(resolved.provenance)) {
    if (leaves.length === 0) {
      lines.push(`${name} = ${JSON.stringify(resolved.values[name] ?? {})}`);
      continue;
    }
    for (const leaf of leaves) lines.push(...explainLeaf(name, leaf, relativize));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function explainLeaf(name: string, leaf: LeafProvenance, relativize: (p: string) => string): string[] {
  const out = [`${name}.${leaf.path} = ${JSON.stringify(leaf.value)}`];
  const from = formatOrigin(leaf.origin, relativize);
  if (leaf.interpolated) {
    out.push(`  from ${from} (interpolated ${JSON.stringify(leaf.interpolated.template)})`);
    for (const s of leaf.interpolated.sources) {
      out.push(s.defaulted ? `  using the default of \${${s.ref}} (the variable is not set)` : `  using \${${s.ref}} from ${formatOrigin(s.origin, relativize)}`);
    }
  } else {
    out.push(`  from ${from}`);
  }
  for (const o of leaf.overrode) out.push(`  overrode ${JSON.stringify(o.value)} from ${formatOrigin(o.origin, relativize)}`);
  return out;
}
