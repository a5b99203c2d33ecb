/**
 * Expressions of Google Cloud Workflows, for exactly what flowc emits: literals, variables,
 * `.`/`[]` access, calls of a few standard-library functions, `+`, comparisons, `and`/`or`/`not`.
 * https://cloud.google.com/workflows/docs/reference/syntax/expressions
 * Anything outside that subset is an error, so the tests notice when the target starts emitting it.
 */
export type Value = null | boolean | number | string | Bytes | Value[] | { [k: string]: Value };

/**
 * A `bytes` value: what a call returns for a body that is not JSON, such as the Cloud Storage
 * connector's object data with `alt: media` (https://cloud.google.com/workflows/docs/reference/googleapis/storage/v1/objects/get,
 * which points to `text.decode` for it).
 */
export class Bytes {
  constructor(readonly data: Uint8Array) {}
}

export type Node =
  | { kind: 'lit'; value: Value }
  | { kind: 'var'; name: string }
  | { kind: 'member'; object: Node; key: string }
  | { kind: 'index'; object: Node; index: Node }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'unary'; op: 'not' | '-'; arg: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node };

type Tok = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string };

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t', '/': '/' };

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in ${src}`);
        const d = src[i] as string;
        if (d === '"') break;
        if (d === '\\') {
          const e = src[i + 1] as string;
          if (e === 'u') {
            const hex = src.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error(`bad \\u escape in ${src}`);
            s += String.fromCharCode(parseInt(hex, 16));
            i += 6;
            continue;
          }
          if (!(e in ESCAPES)) throw new Error(`unknown escape \\${e} in ${src}`);
          s += ESCAPES[e];
          i += 2;
          continue;
        }
        if (d === '\n') throw new Error('raw newline inside a string literal');
        s += d;
        i++;
      }
      i++;
      out.push({ t: 'str', v: s });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('+-<>()[].,'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else throw new Error(`unexpected '${c}' in expression ${src}`);
    }
  }
  return out;
}

export function parse(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok | undefined => toks[p];
  const isOp = (v: string): boolean => peek()?.t === 'op' && peek()?.v === v;
  const isId = (v: string): boolean => peek()?.t === 'id' && peek()?.v === v;
  const expect = (v: string): void => {
    if (!isOp(v)) throw new Error(`expected '${v}' in ${src}`);
    p++;
  };
  const or = (): Node => {
    let l = and();
    while (isId('or')) {
      p++;
      l = { kind: 'binary', op: 'or', left: l, right: and() };
    }
    return l;
  };
  const and = (): Node => {
    let l = not();
    while (isId('and')) {
      p++;
      l = { kind: 'binary', op: 'and', left: l, right: not() };
    }
    return l;
  };
  const not = (): Node => {
    if (isId('not')) {
      p++;
      return { kind: 'unary', op: 'not', arg: not() };
    }
    return cmp();
  };
  const cmp = (): Node => {
    const l = add();
    const t = peek();
    if (t?.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
      p++;
      return { kind: 'binary', op: t.v, left: l, right: add() };
    }
    // Membership, at the comparisons' precedence:
    // https://cloud.google.com/workflows/docs/reference/syntax/datatypes#operators
    if (isId('in')) {
      p++;
      return { kind: 'binary', op: 'in', left: l, right: add() };
    }
    return l;
  };
  const add = (): Node => {
    let l = unary();
    while (isOp('+') || isOp('-')) {
      const op = (toks[p++] as Tok).v as string;
      l = { kind: 'binary', op, left: l, right: unary() };
    }
    return l;
  };
  const unary = (): Node => {
    if (isOp('-')) {
      p++;
      return { kind: 'unary', op: '-', arg: unary() };
    }
    return postfix();
  };
  const postfix = (): Node => {
    let n = primary();
    for (;;) {
      if (isOp('.')) {
        p++;
        const t = toks[p++];
        if (t?.t !== 'id') throw new Error(`expected a name after '.' in ${src}`);
        n = { kind: 'member', object: n, key: t.v };
      } else if (isOp('[')) {
        p++;
        const index = or();
        expect(']');
        n = { kind: 'index', object: n, index };
      } else if (isOp('(')) {
        p++;
        const name = qualifiedName(n);
        const args: Node[] = [];
        if (!isOp(')')) {
          args.push(or());
          while (isOp(',')) {
            p++;
            args.push(or());
          }
        }
        expect(')');
        n = { kind: 'call', name, args };
      } else return n;
    }
  };
  const primary = (): Node => {
    const t = toks[p++];
    if (!t) throw new Error(`unexpected end of expression ${src}`);
    if (t.t === 'num' || t.t === 'str') return { kind: 'lit', value: t.v };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { kind: 'lit', value: t.v === 'true' };
      if (t.v === 'null') return { kind: 'lit', value: null };
      return { kind: 'var', name: t.v };
    }
    if (t.v === '(') {
      const e = or();
      expect(')');
      return e;
    }
    throw new Error(`unexpected '${t.v}' in ${src}`);
  };
  const e = or();
  if (p !== toks.length) throw new Error(`trailing input in expression ${src}`);
  return e;
}

function qualifiedName(n: Node): string {
  if (n.kind === 'var') return n.name;
  if (n.kind === 'member') return `${qualifiedName(n.object)}.${n.key}`;
  throw new Error('only named functions can be called');
}

export function typeOf(v: Value): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Bytes) return 'bytes';
  if (typeof v === 'object') return 'map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'double';
  return typeof v;
}

export interface EvalContext {
  lookup(name: string): Value;
  env: Record<string, string>;
}

/** A Workflows run-time error (a map with message and tags). */
export class WorkflowsError extends Error {
  constructor(
    readonly tags: string[],
    message: string,
    readonly payload: Value = null,
  ) {
    super(message);
  }
}

function get(object: Value, key: Value): Value {
  if (Array.isArray(object)) {
    if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= object.length) throw new WorkflowsError(['IndexError'], `index ${String(key)} out of range`);
    return object[key] as Value;
  }
  if (object !== null && typeof object === 'object' && !(object instanceof Bytes)) {
    if (typeof key !== 'string' || !Object.hasOwn(object, key)) throw new WorkflowsError(['KeyError'], `key ${JSON.stringify(key)} not found`);
    return object[key] as Value;
  }
  throw new WorkflowsError(['TypeError'], `cannot index ${typeOf(object)}`);
}

function toText(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new WorkflowsError(['TypeError'], `string() of ${typeOf(v)}`);
}

export function evaluate(n: Node, ctx: EvalContext): Value {
  switch (n.kind) {
    case 'lit':
      return n.value;
    case 'var':
      return ctx.lookup(n.name);
    case 'member':
      return get(evaluate(n.object, ctx), n.key);
    case 'index':
      return get(evaluate(n.object, ctx), evaluate(n.index, ctx));
    case 'unary': {
      const v = evaluate(n.arg, ctx);
      if (n.op === 'not') {
        if (typeof v !== 'boolean') throw new WorkflowsError(['TypeError'], 'not of a non-boolean');
        return !v;
      }
      if (typeof v !== 'number') throw new WorkflowsError(['TypeError'], 'negation of a non-number');
      return -v;
    }
    case 'binary': {
      if (n.op === 'and' || n.op === 'or') {
        const l = evaluate(n.left, ctx);
        if (typeof l !== 'boolean') throw new WorkflowsError(['TypeError'], `${n.op} of a non-boolean`);
        if (n.op === 'and' ? !l : l) return l;
        const r = evaluate(n.right, ctx);
        if (typeof r !== 'boolean') throw new WorkflowsError(['TypeError'], `${n.op} of a non-boolean`);
        return r;
      }
      const l = evaluate(n.left, ctx);
      const r = evaluate(n.right, ctx);
      switch (n.op) {
        case '+':
          if (typeof l === 'string' && typeof r === 'string') return l + r;
          if (typeof l === 'number' && typeof r === 'number') return l + r;
          throw new WorkflowsError(['TypeError'], `cannot add ${typeOf(l)} and ${typeOf(r)}`);
        case '-':
          if (typeof l === 'number' && typeof r === 'number') return l - r;
          throw new WorkflowsError(['TypeError'], 'subtraction of non-numbers');
        case 'in':
          // A list holds the value as an element; a map holds it as a key (a string).
          if (Array.isArray(r)) return r.some((x) => JSON.stringify(x) === JSON.stringify(l));
          if (r !== null && typeof r === 'object') {
            if (typeof l !== 'string') throw new WorkflowsError(['TypeError'], 'in: a map key must be a string');
            return Object.prototype.hasOwnProperty.call(r, l);
          }
          throw new WorkflowsError(['TypeError'], `in: ${typeOf(r)} is not a list or map`);
        case '==':
          return JSON.stringify(l) === JSON.stringify(r);
        case '!=':
          return JSON.stringify(l) !== JSON.stringify(r);
        default: {
          if (typeof l !== 'number' || typeof r !== 'number') throw new WorkflowsError(['TypeError'], `${n.op} of non-numbers`);
          return n.op === '<' ? l < r : n.op === '>' ? l > r : n.op === '<=' ? l <= r : l >= r;
        }
      }
    }
    case 'call':
      return call(n, ctx);
  }
}

function call(n: Extract<Node, { kind: 'call' }>, ctx: EvalContext): Value {
  if (n.name === 'if') {
    if (n.args.length !== 3) throw new Error('if() takes 3 arguments');
    const c = evaluate(n.args[0] as Node, ctx);
    if (typeof c !== 'boolean') throw new WorkflowsError(['TypeError'], 'if() condition is not boolean');
    return evaluate(n.args[c ? 1 : 2] as Node, ctx);
  }
  const a = n.args.map((x) => evaluate(x, ctx));
  const arity = (k: number): void => {
    if (a.length !== k) throw new Error(`${n.name}() takes ${k} arguments, got ${a.length}`);
  };
  switch (n.name) {
    case 'default':
      arity(2);
      return a[0] === null ? (a[1] as Value) : (a[0] as Value);
    case 'map.get': {
      // https://cloud.google.com/workflows/docs/reference/stdlib/map/get: a string or a list of
      // strings (a nested lookup); null when a level is not a map or lacks the key; TypeError
      // only for a key that is neither.
      arity(2);
      const k = a[1] as Value;
      const keys = typeof k === 'string' ? [k] : Array.isArray(k) && k.every((x) => typeof x === 'string') ? (k as string[]) : null;
      if (keys === null) throw new WorkflowsError(['TypeError'], 'map.get key must be a string or a list of strings');
      let m = a[0] as Value;
      for (const key of keys) {
        if (m === null || typeof m !== 'object' || Array.isArray(m) || m instanceof Bytes || !Object.hasOwn(m, key)) return null;
        m = m[key] as Value;
      }
      return m;
    }
    case 'map.merge': {
      arity(2);
      const [x, y] = a as [Value, Value];
      if (typeOf(x) !== 'map' || typeOf(y) !== 'map') throw new WorkflowsError(['TypeError'], 'map.merge of non-maps');
      return { ...(x as object), ...(y as object) } as Value;
    }
    case 'keys':
      arity(1);
      if (typeOf(a[0] as Value) !== 'map') throw new WorkflowsError(['TypeError'], 'keys of a non-map');
      return Object.keys(a[0] as object);
    case 'list.concat':
      arity(2);
      if (!Array.isArray(a[0])) throw new WorkflowsError(['TypeError'], 'list.concat of a non-list');
      return [...(a[0] as Value[]), a[1] as Value];
    case 'sys.get_env': {
      arity(1);
      const v = ctx.env[a[0] as string];
      return v === undefined ? null : v;
    }
    case 'text.replace_all':
      arity(3);
      if (typeof a[0] !== 'string' || typeof a[1] !== 'string' || typeof a[2] !== 'string') throw new WorkflowsError(['TypeError'], 'text.replace_all of non-strings');
      return a[0].replaceAll(a[1], a[2]);
    case 'string':
      arity(1);
      return toText(a[0] as Value);
    case 'json.encode_to_string':
      arity(1);
      return JSON.stringify(a[0]);
    case 'text.decode': {
      // https://cloud.google.com/workflows/docs/reference/stdlib/text/decode: bytes to text, UTF-8 by default.
      if (a.length < 1 || a.length > 2) throw new Error('text.decode() takes 1 or 2 arguments');
      if (!(a[0] instanceof Bytes)) throw new WorkflowsError(['TypeError'], `text.decode of ${typeOf(a[0] as Value)}`);
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(a[0].data);
      } catch {
        throw new WorkflowsError(['ValueError'], 'text.decode: not valid UTF-8');
      }
    }
    case 'text.url_encode':
      // https://cloud.google.com/workflows/docs/reference/stdlib/text/url_encode: percent-encodes reserved characters, `/` included.
      arity(1);
      if (typeof a[0] !== 'string') throw new WorkflowsError(['TypeError'], 'text.url_encode of a non-string');
      return encodeURIComponent(a[0]);
    case 'json.decode': {
      // https://cloud.google.com/workflows/docs/reference/stdlib/json/decode: bytes or a string holding one JSON value; ValueError otherwise.
      arity(1);
      const src = a[0] instanceof Bytes ? new TextDecoder().decode(a[0].data) : a[0];
      if (typeof src !== 'string') throw new WorkflowsError(['TypeError'], `json.decode of ${typeOf(a[0] as Value)}`);
      try {
        return JSON.parse(src) as Value;
      } catch {
        throw new WorkflowsError(['ValueError'], 'json.decode: not valid JSON');
      }
    }
    case 'get_type':
      arity(1);
      return typeOf(a[0] as Value);
    case 'len': {
      arity(1);
      const v = a[0] as Value;
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v !== null && typeof v === 'object') return Object.keys(v).length;
      throw new WorkflowsError(['TypeError'], 'len of a scalar');
    }
    default:
      throw new Error(`function ${n.name}() is outside the subset flowc emits`);
  }
}

/** An expression string `${...}` → its body; plain strings → null. */
export function expressionBody(s: string): string | null {
  if (s.startsWith('${') && s.endsWith('}')) return s.slice(2, -1);
  if (s.includes('${')) throw new Error(`a plain string holds '\${', which Workflows would not leave alone: ${JSON.stringify(s)}`);
  return null;
}
