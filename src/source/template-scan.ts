/**
 * The lexical layer of the `${...}` syntax shared by flows and config files (SPEC section 3):
 * literal text, `$${` as a literal `${`, and `${...}` spans whose inside each grammar parses its
 * own way (flows: `app.x`, `params.x`, `item`; configs: paths and `env:NAME,default`).
 */
export type ScannedPart =
  /** Literal text, with `$${` already turned into `${`. */
  | { kind: 'text'; value: string }
  /** The text between `${` and the next `}`; `offset` is where the `${` stands. */
  | { kind: 'ref'; raw: string; offset: number }
  /** A `${` with no closing `}`: the rest of the string from `offset`. */
  | { kind: 'unterminated'; offset: number; rest: string };

export interface ScannedTemplate {
  parts: ScannedPart[];
  /** True when the string held a `$${` escape. */
  hasEscapes: boolean;
}

export function scanTemplate(s: string): ScannedTemplate {
  const parts: ScannedPart[] = [];
  let text = '';
  let hasEscapes = false;
  const flush = () => {
    if (text !== '') parts.push({ kind: 'text', value: text });
    text = '';
  };
  let i = 0;
  while (i < s.length) {
    // Text up to the next `$` in one piece, not a character at a time.
    const dollar = s.indexOf('$', i);
    if (dollar < 0) {
      text += s.slice(i);
      break;
    }
    if (dollar > i) {
      text += s.slice(i, dollar);
      i = dollar;
    }
    if (s.startsWith('$${', i)) {
      text += '${';
      hasEscapes = true;
      i += 3;
    } else if (s.startsWith('${', i)) {
      const close = s.indexOf('}', i + 2);
      flush();
      if (close < 0) {
        parts.push({ kind: 'unterminated', offset: i, rest: s.slice(i) });
        break;
      }
      parts.push({ kind: 'ref', raw: s.slice(i + 2, close), offset: i });
      i = close + 1;
    } else {
      text += s[i];
      i++;
    }
  }
  flush();
  return { parts, hasEscapes };
}
