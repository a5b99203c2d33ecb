/**
 * A small evaluator of ASL JSONPath payload values, written from the AWS specification
 * (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html): string
 * literals in single quotes where `\'`, `\{`, `\}` and `\\` stand for `'`, `{`, `}` and `\`, and
 * `States.Format` replaces each unescaped `{}`. It covers the functions flowc emits and is the
 * exact oracle for escaping, because aws-local-stepfunctions 3.0.0 strips every backslash from
 * intrinsic results and keeps escapes inside `States.Array` literals (see helpers.ts).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface EvalContext {
  input: JsonValue;
  context: JsonValue;
}

/** A string literal as characters, each marked when it was written escaped. */
type Chars = { ch: string; escaped: boolean }[];
type Arg = { kind: 'literal'; chars: Chars } | { kind: 'value'; value: JsonValue };

export function evaluatePayloadValue(expr: string, ctx: EvalContext): JsonValue {
  const p = new Parser(expr, ctx);
  const v = p.value();
  p.end();
  return v.kind === 'literal' ? v.chars.map((c) => c.ch).join('') : v.value;
}

class Parser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly ctx: EvalContext,
  ) {}

  end(): void {
    this.ws();
    if (this.i !== this.s.length) throw new Error(`trailing text at ${this.i}: ${this.s.slice(this.i)}`);
  }

  value(): Arg {
    this.ws();
    const c = this.s[this.i];
    if (c === "'") return { kind: 'literal', chars: this.literal() };
    if (c === '$') return { kind: 'value', value: this.path() };
    if (this.s.startsWith('States.', this.i)) return { kind: 'value', value: this.call() };
    const m = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`unexpected ${this.s.slice(this.i, this.i + 10)}`);
    this.i += (m[0] as string).length;
    return { kind: 'value', value: JSON.parse(m[0] as string) as JsonValue };
  }

  private ws(): void {
    while (this.s[this.i] === ' ') this.i++;
  }

  private literal(): Chars {
    this.i++; // opening quote
    const out: Chars = [];
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined) throw new Error('unterminated string literal');
      if (c === "'") {
        this.i++;
        return out;
      }
      if (c === '\\') {
        const n = this.s[this.i + 1];
        if (n === undefined || !"'{}\\".includes(n)) throw new Error(`invalid escape \\${n ?? ''}`);
        out.push({ ch: n, escaped: true });
        this.i += 2;
        continue;
      }
      if (c === '{' || c === '}') {
        // Unescaped braces only make sense as a States.Format placeholder; keep them marked.
        out.push({ ch: c, escaped: false });
        this.i++;
        continue;
      }
      out.push({ ch: c, escaped: false });
      this.i++;
    }
  }

  private path(): JsonValue {
    const m = /^\$\$?(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(this.s.slice(this.i));
    if (!m) throw new Error('bad path');
    const text = m[0] as string;
    this.i += text.length;
    const root = text.startsWith('$$') ? this.ctx.context : this.ctx.input;
    const segs = text.replace(/^\$\$?/, '').split('.').filter((x) => x !== '');
    let cur: JsonValue | undefined = root;
    for (const seg of segs) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !(seg in cur)) throw new Error(`path ${text} not found`);
      cur = (cur as Record<string, JsonValue>)[seg];
    }
    return cur as JsonValue;
  }

  private call(): JsonValue {
    const m = /^States\.[A-Za-z]+/.exec(this.s.slice(this.i)) as RegExpExecArray;
    const name = m[0];
    this.i += name.length;
    if (this.s[this.i] !== '(') throw new Error(`expected ( after ${name}`);
    this.i++;
    const args: Arg[] = [];
    this.ws();
    if (this.s[this.i] === ')') this.i++;
    else {
      for (;;) {
        args.push(this.value());
        this.ws();
        const c = this.s[this.i++];
        if (c === ')') break;
        if (c !== ',') throw new Error(`expected , or ) in ${name}`);
      }
    }
    // Reserved characters must be escaped in every literal, not only in Format templates.
    const plain = (a: Arg): JsonValue => {
      if (a.kind === 'value') return a.value;
      if (a.chars.some((c) => (c.ch === '{' || c.ch === '}') && !c.escaped)) throw new Error('unescaped brace in a string literal');
      return a.chars.map((c) => c.ch).join('');
    };
    switch (name) {
      case 'States.Array':
        return args.map(plain);
      case 'States.Format': {
        const [template, ...rest] = args;
        if (!template || template.kind !== 'literal') throw new Error('States.Format needs a literal template');
        let out = '';
        let k = 0;
        const chars = template.chars;
        for (let j = 0; j < chars.length; j++) {
          const c = chars[j] as { ch: string; escaped: boolean };
          const n = chars[j + 1];
          if (c.ch === '{' && !c.escaped && n && n.ch === '}' && !n.escaped) {
            const v = rest[k++];
            if (v === undefined) throw new Error('too few arguments for States.Format');
            const x = plain(v);
            if (x !== null && typeof x === 'object') throw new Error('States.Format takes scalars');
            out += typeof x === 'string' ? x : String(x);
            j++;
            continue;
          }
          if ((c.ch === '{' || c.ch === '}') && !c.escaped) throw new Error('unescaped brace in a States.Format template');
          out += c.ch;
        }
        if (k !== rest.length) throw new Error('too many arguments for States.Format');
        return out;
      }
      // Compact JSON text, as the service writes it (no spaces).
      case 'States.JsonToString':
        return JSON.stringify(plain(args[0] as Arg));
      case 'States.StringToJson':
        return JSON.parse(plain(args[0] as Arg) as string) as JsonValue;
      case 'States.JsonMerge': {
        const [a, b] = args.map(plain) as [Record<string, JsonValue>, Record<string, JsonValue>];
        return { ...a, ...b };
      }
      default:
        throw new Error(`unsupported intrinsic ${name}`);
    }
  }
}
