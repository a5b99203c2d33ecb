/**
 * GitHub Actions template text: how a workflow scalar is read by GitHub, and how flowc writes
 * literal text and run-time expressions into one.
 *
 * GitHub scans every string scalar for `${{` and parses up to the next `}}` outside single quotes
 * as an expression (actions/runner `TemplateReader.ParseScalar`); there is no backslash escape.
 * A scalar mixing text and expressions becomes one `format('...', e1, e2)` expression, and an
 * expression longer than 21,000 characters is refused (`ExpressionConstants.MaxLength`).
 * A scalar that is exactly one string-literal expression (`${{ 'text' }}`) is read as that literal
 * text, even where expressions are not allowed (the runner's "escaped expression" case).
 * See https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 */

/** GitHub's limit on the length of one expression, in UTF-16 code units. */
export const MAX_EXPRESSION_LENGTH = 21_000;

const OPEN = '${{';

/** One piece of a scalar: literal text, or an expression (without the `${{ }}` delimiters). */
export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; expr: string };

export interface RenderedScalar {
  /** The scalar as written in the workflow file. */
  text: string;
  /** Length of the expression GitHub builds from it; 0 when the scalar stays a literal. */
  expressionLength: number;
}

/** A string literal inside an expression: single-quoted, `'` doubled. */
export function stringLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Renders parts for a field where GitHub evaluates expressions (`run`, `env`, `container`,
 * matrix values). Literal `${{` is written as the expression `${{ '${{' }}`, whose value is the
 * text `${{`, so no literal ever opens an expression.
 */
export function renderTemplate(parts: readonly TemplatePart[]): RenderedScalar {
  // Most scalars are one piece of text without `${{`, or one expression: a workflow of 10,000
  // jobs renders ~100,000 of them.
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.kind === 'text' && !only.text.includes(OPEN)) return { text: only.text, expressionLength: 0 };
  if (only?.kind === 'expr') return { text: `\${{ ${only.expr} }}`, expressionLength: only.expr.length };
  const segments: TemplatePart[] = [];
  const pushText = (text: string) => {
    if (text === '') return;
    const last = segments[segments.length - 1];
    if (last?.kind === 'text') last.text += text;
    else segments.push({ kind: 'text', text });
  };
  for (const part of parts) {
    if (part.kind === 'expr') {
      segments.push({ kind: 'expr', expr: part.expr });
      continue;
    }
    const pieces = part.text.split(OPEN);
    pieces.forEach((piece, i) => {
      if (i > 0) segments.push({ kind: 'expr', expr: stringLiteral(OPEN) });
      pushText(piece);
    });
  }
  const text = segments.map((s) => (s.kind === 'text' ? s.text : `\${{ ${s.expr} }}`)).join('');
  return { text, expressionLength: expressionLength(segments) };
}

/**
 * Renders literal text for a field where GitHub allows no expressions (workflow_dispatch input
 * descriptions, defaults and options): text with `${{` becomes one string-literal expression,
 * which GitHub reads back as the literal.
 */
export function renderLiteral(text: string): RenderedScalar {
  if (!text.includes(OPEN)) return { text, expressionLength: 0 };
  const expr = stringLiteral(text);
  return { text: `\${{ ${expr} }}`, expressionLength: expr.length };
}

/** The length of the expression GitHub builds from a scalar's segments (see file comment). */
function expressionLength(segments: readonly TemplatePart[]): number {
  const exprs = segments.filter((s) => s.kind === 'expr');
  if (exprs.length === 0) return 0;
  if (segments.length === 1) return (segments[0] as { expr: string }).expr.length;
  let format = 0;
  let args = 0;
  let index = 0;
  for (const s of segments) {
    if (s.kind === 'text') {
      format += s.text.length + (s.text.match(/['{}]/g)?.length ?? 0);
    } else {
      format += String(index).length + 2;
      index++;
      args += 2 + s.expr.length;
    }
  }
  return 'format('.length + format + 2 + args + 1;
}
