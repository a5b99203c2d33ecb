/**
 * A small interpreter for the part of expr-lang (https://expr-lang.org/docs/language-definition)
 * that Argo evaluates in `{{=...}}` tags and flowc writes, used by the Argo run model (argo-sim.ts).
 * It implements only what flowc's expressions use and throws on anything else, so an expression
 * the model cannot read fails the test rather than passing unchecked.
 *
 * The environment is Argo's (util/expr/env/env.go `GetFuncMap`): the scope's dotted keys nested
 * by `expand.Expand`, which drops a key that is the prefix of another (util/expand/expand.go
 * `removeConflicts`); `toJson` (Go `json.Marshal`: sorted map keys, `<`, `>`, `&` escaped),
 * `sprig` (Masterminds/sprig `replace old new src` = `strings.Replace(src, old, new, -1)`,
 * `trimPrefix prefix s`), and expr's builtins `map`, `fromJSON`, `toBase64`, `fromBase64`, `type`
 * (https://github.com/expr-lang/expr/blob/master/builtin/lib.go `Type`: `nil`, `bool`, `float` for
 * JSON numbers, `string`, `array`, `map`) and `get` (nil for a missing key or index, and for nil).
 * Member access: `a.b` on a map gives nil for a missing key; on nil it is an error, unless
 * written `a?.b` (nil). `x ?? y` is y when x is nil.
 */

/** A variable the expression needs is not in the environment: Argo leaves the tag as written. */
export class MissingVariable extends Error {}

type Value = unknown;

/** Argo's `expand.Expand`: dotted keys nested, a key dropped when another extends it. */
export function expandScope(scope: Map<string, string>): Record<string, Value> {
  const keys = [...scope.keys()].sort();
  const kept = keys.filter((k, i) => !(keys[i + 1]?.startsWith(`${k}.`) ?? false));
  const root: Record<string, Value> = {};
  for (const k of kept) {
    const parts = k.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
      node = node[p] as Record<string, Value>;
    }
    node[parts[parts.length - 1] as string] = scope.get(k);
  }
  return root;
}

/** Go's `json.Marshal` of a decoded JSON value. */
export function goJson(v: Value): string {
  const text = JSON.stringify(sortKeys(v)) ?? 'null';
  return text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function sortKeys(v: Value): Value {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Value> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = sortKeys((v as Record<string, Value>)[k]);
    return out;
  }
  return v;
}

function typeName(v: Value): string {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'object':
      return 'map';
    default:
      throw new Error(`no expr type for ${typeof v}`);
  }
}

type Token = { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'id'; v: string } | { t: 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      out.push({ t: 'str', v: JSON.parse(src.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (c === "'") {
      // expr-lang also quotes strings with `'`, with the same escapes (language-definition: "String").
      let j = i + 1;
      while (j < src.length && src[j] !== "'") j += src[j] === '\\' ? 2 : 1;
      const body = src.slice(i + 1, j).replace(/\\'/g, "'").replace(/"/g, '\\"');
      out.push({ t: 'str', v: JSON.parse(`"${body}"`) as string });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['?.', '??', '==', '!='].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('()[]{},:.?#'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else throw new Error(`the expr model cannot read ${JSON.stringify(c)} in ${JSON.stringify(src)}`);
    }
  }
  return out;
}

type Node = (env: Record<string, Value>, hash: Value) => Value;

/** Parses and evaluates `source` in `env`; throws MissingVariable when an unguarded variable is absent. */
export function evalExpr(source: string, env: Record<string, Value>): Value {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = (v?: string) => {
    const tok = tokens[pos];
    return tok !== undefined && (v === undefined || (tok.t === 'op' && tok.v === v));
  };
  const expect = (v: string) => {
    if (!peek(v)) throw new Error(`the expr model expected '${v}' at token ${pos} of ${JSON.stringify(source)}`);
    pos++;
  };
  const expression = (): Node => {
    const cond = coalesce();
    if (!peek('?')) return cond;
    pos++;
    const yes = expression();
    expect(':');
    const no = expression();
    return (e, h) => (cond(e, h) === true ? yes(e, h) : no(e, h));
  };
  const coalesce = (): Node => {
    let left = equality();
    while (peek('??')) {
      pos++;
      const l = left;
      const r = equality();
      left = (e, h) => {
        let v: Value;
        try {
          v = l(e, h);
        } catch (err) {
          // `??` guards the member accesses on its left (util/template/expression_template.go guardVisitor).
          if (!(err instanceof MissingVariable)) throw err;
          v = undefined;
        }
        return v === undefined || v === null ? r(e, h) : v;
      };
    }
    return left;
  };
  const equality = (): Node => {
    let left = postfix();
    while (peek('==') || peek('!=')) {
      const op = (tokens[pos++] as { v: string }).v;
      const l = left;
      const r = postfix();
      left = (e, h) => {
        const a = l(e, h) ?? null;
        const b = r(e, h) ?? null;
        return op === '==' ? a === b : a !== b;
      };
    }
    return left;
  };
  const postfix = (): Node => {
    let node = primary();
    for (;;) {
      if (peek('.') || peek('?.')) {
        const optional = (tokens[pos++] as { v: string }).v === '?.';
        if (peek('[')) {
          pos++;
          const key = expression();
          expect(']');
          node = fetch(node, (e, h) => key(e, h), optional);
        } else {
          const tok = tokens[pos++];
          if (tok?.t !== 'id') throw new Error(`the expr model expected a name in ${JSON.stringify(source)}`);
          node = fetch(node, () => tok.v, optional);
        }
      } else if (peek('[')) {
        pos++;
        const key = expression();
        expect(']');
        node = fetch(node, (e, h) => key(e, h), false);
      } else return node;
    }
  };
  const fetch = (base: Node, key: Node, optional: boolean): Node => (e, h) => {
    const b = base(e, h);
    const k = key(e, h);
    if (b === undefined || b === null) {
      if (optional) return undefined;
      throw new MissingVariable(`cannot fetch ${String(k)} from nil`);
    }
    if (typeof b === 'function') throw new Error('the expr model does not fetch from functions');
    if (typeof b !== 'object') throw new Error(`cannot fetch ${String(k)} from ${typeName(b)}`);
    return (b as Record<string, Value>)[String(k)];
  };
  const primary = (): Node => {
    const tok = tokens[pos++];
    if (!tok) throw new Error(`the expr model ran out of tokens in ${JSON.stringify(source)}`);
    if (tok.t === 'str' || tok.t === 'num') return () => tok.v;
    if (tok.t === 'op' && tok.v === '#') return (_e, h) => h;
    if (tok.t === 'op' && tok.v === '(') {
      const inner = expression();
      expect(')');
      return inner;
    }
    if (tok.t === 'op' && tok.v === '{') {
      // A map literal starts with a key and ':'; anything else is a closure (predicate).
      if (tokens[pos]?.t === 'str' && tokens[pos + 1]?.t === 'op' && (tokens[pos + 1] as { v: string }).v === ':') {
        const entries: [string, Node][] = [];
        while (!peek('}')) {
          const k = tokens[pos++] as { v: string };
          expect(':');
          entries.push([k.v, expression()]);
          if (peek(',')) pos++;
        }
        pos++;
        return (e, h) => Object.fromEntries(entries.map(([k, n]) => [k, n(e, h)]));
      }
      const body = expression();
      expect('}');
      const closure = (e: Record<string, Value>) => (x: Value) => body(e, x);
      return (e) => ({ closure: closure(e) });
    }
    if (tok.t === 'id') {
      if (tok.v === 'nil') return () => null;
      if (tok.v === 'true' || tok.v === 'false') return () => tok.v === 'true';
      if (peek('(')) {
        pos++;
        const args: Node[] = [];
        while (!peek(')')) {
          args.push(expression());
          if (peek(',')) pos++;
        }
        pos++;
        return (e, h) => callBuiltin(tok.v, args.map((a) => a(e, h)));
      }
      if (tok.v === 'sprig') {
        expect('.');
        const fn = tokens[pos++] as { v: string };
        expect('(');
        const args: Node[] = [];
        while (!peek(')')) {
          args.push(expression());
          if (peek(',')) pos++;
        }
        pos++;
        return (e, h) => callSprig(fn.v, args.map((a) => a(e, h)));
      }
      return (e) => {
        if (!Object.hasOwn(e, tok.v)) throw new MissingVariable(`unknown name ${tok.v}`);
        return e[tok.v];
      };
    }
    throw new Error(`the expr model cannot read token ${JSON.stringify(tok)} in ${JSON.stringify(source)}`);
  };
  const root = expression();
  if (pos !== tokens.length) throw new Error(`the expr model stopped at token ${pos} of ${JSON.stringify(source)}`);
  return root(env, undefined);
}

function callBuiltin(name: string, args: Value[]): Value {
  const str = (v: Value) => {
    if (typeof v !== 'string') throw new Error(`${name} needs a string, got ${typeName(v)}`);
    return v;
  };
  switch (name) {
    case 'fromJSON':
      return JSON.parse(str(args[0]));
    case 'toJson':
      return goJson(args[0]);
    case 'toBase64':
      return Buffer.from(str(args[0]), 'utf8').toString('base64');
    case 'fromBase64':
      return Buffer.from(str(args[0]), 'base64').toString('utf8');
    case 'type':
      return typeName(args[0]);
    case 'get': {
      const [from, key] = args;
      if (from === null || from === undefined) return null;
      if (Array.isArray(from)) return typeof key === 'number' ? (from[key] ?? null) : null;
      if (typeof from === 'object') return Object.hasOwn(from, String(key)) ? (from as Record<string, Value>)[String(key)] : null;
      throw new Error(`the expr model does not get from ${typeName(from)}`);
    }
    case 'map': {
      const [list, fn] = args;
      if (!Array.isArray(list)) throw new Error(`map needs an array, got ${typeName(list)}`);
      const f = (fn as { closure?: (x: Value) => Value }).closure;
      if (!f) throw new Error('map needs a predicate');
      return list.map(f);
    }
    default:
      throw new Error(`the expr model has no function ${name}`);
  }
}

function callSprig(name: string, args: Value[]): Value {
  const strings = args.map((a) => {
    if (typeof a !== 'string') throw new Error(`sprig.${name} needs strings, got ${typeName(a)}`);
    return a;
  });
  switch (name) {
    case 'replace': {
      const [from, to, src] = strings as [string, string, string];
      return src.split(from).join(to);
    }
    case 'trimPrefix': {
      const [prefix, s] = strings as [string, string];
      return s.startsWith(prefix) ? s.slice(prefix.length) : s;
    }
    default:
      throw new Error(`the expr model has no sprig.${name}`);
  }
}
