import { scanTemplate } from '../source/template-scan.js';

/**
 * The `${...}` template syntax of SPEC section 3, parsed into literal text and references.
 * `$${` is a literal `${`. A reference is a root followed by dotted keys and `[n]` indexes:
 * `app.train.cpu`, `app.regions[0]`, `params.alpha`, `item.region`, `run.id`.
 */
export type TemplatePart =
  | { kind: 'text'; value: string }
  | { kind: 'ref'; root: string; path: (string | number)[]; raw: string; offset: number };

export interface TemplateError {
  message: string;
  offset: number;
}

export interface ParsedTemplate {
  parts: TemplatePart[];
  errors: TemplateError[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_-]*/;

/** Parses a template string. Never throws; malformed references come back as errors. */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  const errors: TemplateError[] = [];
  let lit = '';
  for (const p of scanTemplate(text).parts) {
    if (p.kind === 'text') {
      lit += p.value;
    } else if (p.kind === 'unterminated') {
      errors.push({ message: "unterminated '${': add the closing '}' (write '$${' for a literal '${')", offset: p.offset });
      lit += p.rest;
    } else {
      const ref = parseReference(p.raw.trim());
      if ('error' in ref) {
        errors.push({ message: `malformed reference '\${${p.raw}}': ${ref.error} (write '$\${' for a literal '\${')`, offset: p.offset });
      } else {
        if (lit) parts.push({ kind: 'text', value: lit });
        lit = '';
        parts.push({ kind: 'ref', root: ref.root, path: ref.path, raw: p.raw, offset: p.offset });
      }
    }
  }
  if (lit) parts.push({ kind: 'text', value: lit });
  return { parts, errors };
}

/** Parses `root.key[0].key` into a root and a path. */
export function parseReference(raw: string): { root: string; path: (string | number)[] } | { error: string } {
  if (raw === '') return { error: 'empty reference' };
  const first = KEY.exec(raw);
  if (!first) return { error: 'a reference starts with a name' };
  const root = first[0];
  const path: (string | number)[] = [];
  let rest = raw.slice(root.length);
  while (rest.length > 0) {
    if (rest.startsWith('.')) {
      const m = KEY.exec(rest.slice(1)) ?? /^[0-9]+/.exec(rest.slice(1));
      if (!m) return { error: `expected a key after '.' at '${rest}'` };
      path.push(m[0]);
      rest = rest.slice(1 + m[0].length);
    } else if (rest.startsWith('[')) {
      const m = /^\[([0-9]+)\]/.exec(rest);
      if (!m) return { error: `expected an index like [0] at '${rest}'` };
      path.push(Number(m[1]));
      rest = rest.slice(m[0].length);
    } else {
      return { error: `unexpected '${rest[0]}'` };
    }
  }
  return { root, path };
}

/** True when the whole string is exactly one reference (it then keeps the value's own type). */
export function isWholeReference(parsed: ParsedTemplate): boolean {
  return parsed.errors.length === 0 && parsed.parts.length === 1 && parsed.parts[0]?.kind === 'ref';
}

/** Makes text literal for the template syntax: every `${` becomes `$${`. */
export function escapeTemplateText(text: string): string {
  return text.replaceAll('${', () => '$${');
}

/** `a.b[0].c` for messages. */
export function formatPath(root: string, path: (string | number)[]): string {
  return root + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}
