import { itemValueAt, valueText } from '../ir/items.js';
import type { IRPart, IRString } from '../ir/types.js';
import type { Json } from '../source/tree.js';
import { pyStr } from './escape.js';

/**
 * How one template writes a typed string (`IRString`, src/ir/types.ts) in its language: the
 * front matter's `render:` map. Literal text is escaped by `literal`; each run-time part kind
 * maps to a pattern in which `{name}` stands for the part's name as a string literal of the
 * dialect. Parts known at compile time (flow name, step id, a static foreach item) are literal
 * text unless the template maps them.
 */
export interface RenderMapping {
  /** `raw`: literal text as is. `jinja`: text made inert for Jinja (Airflow's templated fields). */
  literal: 'raw' | 'jinja';
  param?: string;
  /** Per parameter type, overriding `param` (booleans as `true`/`false` like the other targets). */
  paramByType?: Partial<Record<'string' | 'number' | 'integer' | 'boolean', string>>;
  run?: string;
  flow?: string;
  step?: string;
  item?: string;
  output?: string;
}

export interface RenderScope {
  flowName: string;
  /** The current step's id, when rendering inside a step. */
  stepId?: string;
  /** The current static foreach item, when rendering one task of a foreach step. */
  item?: { value: Json };
  paramType: (name: string) => string | undefined;
}

/** Thrown for a part the mapping cannot write; the helper reports it where the template asked. */
export class UnmappedPart extends Error {}

/**
 * The `template_ext` of Airflow's operators (BashOperator `.sh` `.bash`, KubernetesPodOperator
 * `.yaml` `.yml` `.json`, SQL operators `.sql` `.hql`): a templated string ending in one is read
 * as the path of a template file, so such text gets an empty Jinja expression at its end.
 */
const AIRFLOW_TEMPLATE_EXT = ['.sh', '.bash', '.yaml', '.yml', '.json', '.sql', '.hql'];

/**
 * Jinja reads `{{`, `{%` and `{#` in text as markup, turns CR LF into LF, and drops a template's
 * one trailing newline; a literal ending in `{` would also make `{{` with the expression after
 * it. Such text is written as a Jinja string expression `{{ "..." }}` (Jinja decodes Python
 * escapes in it), so it reaches the task exactly; other text is written as it is.
 * https://jinja.palletsprojects.com/en/3.1.x/templates/#escaping
 */
function jinjaLiteral(text: string, last: boolean): string {
  if (text === '') return '';
  if (/\{[{%#]/.test(text) || text.includes('\r') || (last ? text.endsWith('\n') : text.endsWith('{'))) return `{{ ${pyStr(text)} }}`;
  return text;
}

function literalName(mapping: RenderMapping, name: string): string {
  return mapping.literal === 'jinja' ? pyStr(name) : name;
}

function fill(pattern: string, mapping: RenderMapping, fields: Record<string, string>): string {
  return pattern.replace(/\{(name|step|output)\}/g, (_m, k: string) => literalName(mapping, fields[k] ?? ''));
}

/** One part as text of the target language; undefined for literal text the caller escapes. */
function partText(part: Exclude<IRPart, { kind: 'lit' }>, mapping: RenderMapping, scope: RenderScope): { text: string } | { lit: string } {
  switch (part.kind) {
    case 'param': {
      const pattern = mapping.paramByType?.[scope.paramType(part.name) as 'string'] ?? mapping.param;
      if (pattern === undefined) throw new UnmappedPart(`\${params.${part.name}}: the template's render mapping has no 'param'`);
      return { text: fill(pattern, mapping, { name: part.name }) };
    }
    case 'run':
      if (mapping.run === undefined) throw new UnmappedPart("${run.id}: the template's render mapping has no 'run'");
      return { text: mapping.run };
    case 'flow':
      return mapping.flow !== undefined ? { text: mapping.flow } : { lit: scope.flowName };
    case 'step':
      if (mapping.step !== undefined) return { text: mapping.step };
      if (scope.stepId === undefined) throw new UnmappedPart('${step.name} outside a step');
      return { lit: scope.stepId };
    case 'item': {
      if (scope.item !== undefined) return { lit: valueText(itemValueAt(scope.item.value, part.path)) };
      if (mapping.item !== undefined) return { text: mapping.item };
      throw new UnmappedPart("${item}: no foreach item here (pass item=... to render) and the render mapping has no 'item'");
    }
    case 'output':
      if (mapping.output === undefined) throw new UnmappedPart(`\${steps.${part.step}.outputs.${part.output}}: the template's render mapping has no 'output'`);
      return { text: fill(mapping.output, mapping, { step: part.step, output: part.output }) };
  }
}

/**
 * A typed string in the template's language. Compile-time parts are merged into the literal text
 * around them before escaping, so the escaping sees whole runs of text.
 */
export function renderString(value: IRString | string, mapping: RenderMapping, scope: RenderScope): string {
  const parts: IRString = typeof value === 'string' ? (value === '' ? [] : [{ kind: 'lit', value }]) : value;
  const pieces: ({ text: string } | { lit: string })[] = [];
  for (const part of parts) {
    const piece = part.kind === 'lit' ? { lit: part.value } : partText(part, mapping, scope);
    const prev = pieces[pieces.length - 1];
    if ('lit' in piece && prev !== undefined && 'lit' in prev) prev.lit += piece.lit;
    else pieces.push({ ...piece });
  }
  let out = '';
  pieces.forEach((p, i) => {
    if ('text' in p) out += p.text;
    else if (mapping.literal === 'jinja') out += jinjaLiteral(p.lit, i === pieces.length - 1);
    else out += p.lit;
  });
  if (mapping.literal === 'jinja' && AIRFLOW_TEMPLATE_EXT.some((ext) => out.endsWith(ext))) out += '{{ "" }}';
  return out;
}
