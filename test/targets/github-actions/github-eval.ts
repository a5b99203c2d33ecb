/**
 * How GitHub Actions turns a workflow scalar into text, for the few expression forms flowc writes,
 * so a test can run a job's script with the environment GitHub would give it. The scan follows
 * actions/runner `TemplateReader.ParseScalar` (first `${{`, then the first `}}` outside single
 * quotes); values follow the expressions reference (falsy: null, false, 0, '', NaN; `||`/`&&`
 * return an operand; strings compare ignoring case; null becomes '' in a string).
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 * Anything else throws, so flowc emitting an unexpected expression fails the test.
 */
export interface EvalContext {
  inputs: Record<string, unknown> | null;
  matrix: Record<string, unknown>;
  github: Record<string, unknown>;
  /** Jobs' outputs by job id, steps' outputs by step id, `strategy.job-index` (step outputs, test/targets/github-actions/run-sim.ts). */
  needs?: Record<string, { outputs: Record<string, string> }>;
  steps?: Record<string, { outputs: Record<string, string> }>;
  strategy?: Record<string, unknown>;
}

/** A scalar that is exactly one expression, as its value (not text): `matrix: ${{ fromJSON(...) }}`. */
export function evaluateWhole(raw: string, ctx: EvalContext): unknown {
  const m = /^\$\{\{(.*)\}\}$/s.exec(raw);
  if (!m) throw new Error(`not one expression: ${raw}`);
  return evaluate(m[1] as string, ctx);
}

/** An `if:` value: with or without `${{ }}`, true when truthy. */
export function evaluateCondition(raw: string, ctx: EvalContext): boolean {
  const m = /^\$\{\{(.*)\}\}$/s.exec(raw.trim());
  return truthy(evaluate(m ? (m[1] as string) : raw, ctx));
}

export function evaluateScalar(raw: string, ctx: EvalContext): string {
  let out = '';
  let i = 0;
  for (;;) {
    const start = raw.indexOf('${{', i);
    if (start < 0) return out + raw.slice(i);
    out += raw.slice(i, start);
    let inString = false;
    let end = -1;
    for (let j = start + 3; j < raw.length; j++) {
      if (raw[j] === "'") inString = !inString;
      else if (!inString && raw[j] === '}' && raw[j - 1] === '}') {
        end = j;
        break;
      }
    }
    if (end < 0) throw new Error(`expression not closed in ${JSON.stringify(raw)}`);
    out += toText(evaluate(raw.slice(start + 3, end - 1), ctx));
    i = end + 1;
  }
}

function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v, null, 2);
}

function truthy(v: unknown): boolean {
  return !(v === null || v === undefined || v === false || v === 0 || v === '' || Number.isNaN(v));
}

type Token = { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in ${src}`);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'str', v });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9.]+/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const op = ['==', '!=', '&&', '||', '!', '(', ')', '.', ','].find((o) => src.startsWith(o, i));
      if (!op) throw new Error(`unsupported expression syntax at ${JSON.stringify(src.slice(i))}`);
      out.push({ t: 'op', v: op });
      i += op.length;
    }
  }
  return out;
}

function evaluate(src: string, ctx: EvalContext): unknown {
  const toks = tokenize(src);
  let pos = 0;
  const peek = () => toks[pos];
  const eat = (v: string) => {
    const t = toks[pos];
    if (t?.t !== 'op' || t.v !== v) throw new Error(`expected ${v} in ${src}`);
    pos++;
  };
  const primary = (): unknown => {
    const t = toks[pos++];
    if (!t) throw new Error(`unexpected end of ${src}`);
    if (t.t === 'str' || t.t === 'num') return t.v;
    if (t.t === 'op' && t.v === '!') return !truthy(primary());
    if (t.t === 'id') {
      if (t.v === 'fromJSON') {
        eat('(');
        const v = or();
        eat(')');
        return JSON.parse(toText(v));
      }
      if (t.v === 'toJSON') {
        eat('(');
        const v = or();
        eat(')');
        return JSON.stringify(v ?? null, null, 2);
      }
      if (t.v === 'format') {
        // format('{0}-{1}', a, b): `{n}` is argument n as text; `{{` and `}}` are literal braces.
        eat('(');
        const args = [or()];
        while (peek()?.t === 'op' && peek()?.v === ',') {
          pos++;
          args.push(or());
        }
        eat(')');
        const [fmt, ...rest] = args;
        if (typeof fmt !== 'string') throw new Error(`format needs a string literal first in ${src}`);
        return fmt.replace(/\{\{|\}\}|\{(\d+)\}/g, (m, n: string | undefined) => {
          if (n === undefined) return m[0] as string;
          if (Number(n) >= rest.length) throw new Error(`format: no argument ${n} in ${src}`);
          return toText(rest[Number(n)]);
        });
      }
      const roots: Record<string, unknown> = { inputs: ctx.inputs, matrix: ctx.matrix, github: ctx.github, needs: ctx.needs, steps: ctx.steps, strategy: ctx.strategy };
      if (!(t.v in roots)) throw new Error(`unsupported context ${t.v} in ${src}`);
      let v: unknown = roots[t.v];
      while (peek()?.t === 'op' && peek()?.v === '.') {
        pos++;
        const name = toks[pos++];
        if (name?.t !== 'id') throw new Error(`bad property in ${src}`);
        v = v !== null && typeof v === 'object' ? ((v as Record<string, unknown>)[name.v] ?? null) : null;
      }
      return v ?? null;
    }
    throw new Error(`unexpected ${t.v} in ${src}`);
  };
  const eq = (): unknown => {
    const l = primary();
    if (peek()?.t === 'op' && (peek()?.v === '==' || peek()?.v === '!=')) {
      const negate = peek()?.v === '!=';
      pos++;
      const r = primary();
      if (typeof l === 'string' && typeof r === 'string') return (l.toLowerCase() === r.toLowerCase()) !== negate;
      throw new Error(`only string == string is modelled (${src})`);
    }
    return l;
  };
  const and = (): unknown => {
    let l = eq();
    while (peek()?.t === 'op' && peek()?.v === '&&') {
      pos++;
      const r = eq();
      l = truthy(l) ? r : l;
    }
    return l;
  };
  const or = (): unknown => {
    let l = and();
    while (peek()?.t === 'op' && peek()?.v === '||') {
      pos++;
      const r = and();
      l = truthy(l) ? l : r;
    }
    return l;
  };
  const v = or();
  if (pos !== toks.length) throw new Error(`trailing tokens in ${src}`);
  return v;
}
