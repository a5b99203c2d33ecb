import { scanTemplate } from '../source/template-scan.js';
import { parsePath, type Segment } from './path.js';

/**
 * The `${...}` syntax inside config strings (SPEC §3): `${train.cpu}` reads a path in the same
 * config, `${env:NAME}` / `${env:NAME,default}` the compile-time environment, and `$${` is a
 * literal `${`. A `${` inside `${...}` is refused rather than guessed at (no nesting).
 */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'ref'; ref: Ref; source: string };

export type Ref = { kind: 'path'; segments: Segment[] } | { kind: 'env'; name: string; default?: string };

export type TemplateParse = { ok: true; parts: TemplatePart[]; hasRefs: boolean; hasEscapes: boolean } | { ok: false; error: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Quick test so that plain strings skip parsing. */
export function mayBeTemplate(s: string): boolean {
  return s.includes('${');
}

export function parseTemplate(s: string): TemplateParse {
  const scanned = scanTemplate(s);
  const parts: TemplatePart[] = [];
  for (const p of scanned.parts) {
    if (p.kind === 'unterminated') return { ok: false, error: `unterminated \${ (no closing }); write $\${ for a literal \${` };
    if (p.kind === 'text') {
      parts.push({ kind: 'text', text: p.value });
      continue;
    }
    if (p.raw.includes('${')) return { ok: false, error: `\${ inside \${...} is not supported: ${JSON.stringify(`\${${p.raw}}`)}` };
    const ref = parseRef(p.raw);
    if (typeof ref === 'string') return { ok: false, error: ref };
    parts.push({ kind: 'ref', ref, source: p.raw });
  }
  return { ok: true, parts, hasRefs: parts.some((x) => x.kind === 'ref'), hasEscapes: scanned.hasEscapes };
}

function parseRef(source: string): Ref | string {
  const body = source.trim();
  if (body === '') return 'empty reference ${}';
  const resolver = /^([A-Za-z_][A-Za-z0-9_.]*):/.exec(body);
  if (resolver) {
    if (resolver[1] !== 'env') return `unknown resolver "${resolver[1]}:" in \${${source}} (config files know only env:)`;
    // The default is everything after the first comma, exactly as written.
    const rest = source.slice(source.indexOf(':') + 1);
    const comma = rest.indexOf(',');
    const name = (comma < 0 ? rest : rest.slice(0, comma)).trim();
    if (!ENV_NAME.test(name)) return `invalid environment variable name ${JSON.stringify(name)} in \${${source}}`;
    return comma < 0 ? { kind: 'env', name } : { kind: 'env', name, default: rest.slice(comma + 1) };
  }
  const p = parsePath(body);
  if (!p.ok) return `invalid reference \${${source}}: ${p.error}`;
  return { kind: 'path', segments: p.segments };
}
