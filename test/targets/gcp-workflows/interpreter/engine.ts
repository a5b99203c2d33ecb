import { parse as parseYaml } from 'yaml';
import type { VirtualClock } from './clock.js';
import { Bytes, evaluate, expressionBody, type Node, parse, typeOf, type Value, WorkflowsError } from './expr.js';

/**
 * A small interpreter for the subset of Google Cloud Workflows that flowc emits: subworkflows with
 * params (and defaults), `assign` (to variables, map keys and indexes), `call` (subworkflows and
 * connectors), `switch` with `steps`, `for`, `parallel` (branches and for, `shared`,
 * `concurrency_limit`, continueAll), `try`/`retry` with backoff and `except`, `return` and `raise`
 * (of a message, or of a caught error map, which re-raises it with its tags), `next` jumps within
 * one step list, `sys.sleep`, and (when asked) the per-execution limit of branches running at once
 * with queued ones started in any order.
 * https://cloud.google.com/workflows/docs/reference/syntax
 * It is strict: unknown step kinds, functions, or plain strings holding `${` are errors, and a
 * parallel branch assigning a parent variable it did not declare `shared` fails, as deploy would.
 */
export type Connector = (args: Record<string, Value>, ctx: { clock: VirtualClock }) => Promise<Value>;

export interface RunOptions {
  clock: VirtualClock;
  connectors: Record<string, Connector>;
  env: Record<string, string>;
  /** Most steps an execution may take (Workflows: 100,000). */
  maxSteps?: number;
  /**
   * Most branches and iterations running at once in the execution, nested ones included; the rest
   * wait in a queue (https://cloud.google.com/workflows/quotas: 20 per execution). Unset: no limit.
   */
  concurrentBranches?: number;
  /**
   * Which queued branch or iteration starts when a slot frees: an index into the queue (oldest
   * first). Workflows documents no order ("parallel branches and iterations can run in any order",
   * https://cloud.google.com/workflows/docs/execute-parallel-steps), so tests pick at random.
   */
  pickQueued?: (queued: number) => number;
}

class Return {
  constructor(readonly value: Value) {}
}

/** A variable scope. Frames are subworkflow bodies; child scopes are for-iterations and branches. */
class Scope {
  readonly vars = new Map<string, Value>();
  constructor(
    readonly parent: Scope | null,
    /** For a parallel branch: the parent variables it may assign; null for any other scope. */
    readonly shared: Set<string> | null = null,
  ) {}

  find(name: string): Scope | null {
    for (let s: Scope | null = this; s; s = s.parent) if (s.vars.has(name)) return s;
    return null;
  }

  lookup(name: string): Value {
    const s = this.find(name);
    if (!s) throw new WorkflowsError(['KeyError'], `variable '${name}' is not defined`);
    return s.vars.get(name) as Value;
  }

  /** Assigns where the variable lives, unless a parallel branch boundary forbids it. */
  assign(name: string, value: Value): void {
    for (let s: Scope | null = this; s; s = s.parent) {
      if (s.vars.has(name)) {
        s.vars.set(name, value);
        return;
      }
      if (s.shared !== null && s.parent?.find(name)) {
        if (!s.shared.has(name)) throw new Error(`a parallel branch assigns parent variable '${name}' without declaring it shared`);
      }
    }
    this.vars.set(name, value);
  }
}

export class Interpreter {
  private steps = 0;
  private sleeps = 0;
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Calls of `sys.sleep` so far. */
  get sleepCount(): number {
    return this.sleeps;
  }
  /** Steps run so far; every step counts, nested ones too (https://cloud.google.com/workflows/quotas: steps per execution). */
  get stepCount(): number {
    return this.steps;
  }
  private readonly parsed = new Map<string, Node>();

  constructor(
    readonly definition: Record<string, { params?: unknown[]; steps: Record<string, unknown>[] }>,
    readonly options: RunOptions,
  ) {
    if (!definition.main) throw new Error('no main workflow');
  }

  static fromYaml(text: string, options: RunOptions): Interpreter {
    return new Interpreter(parseYaml(text, { version: '1.1' }) as never, options);
  }

  run(args: Value): Promise<Value> {
    return this.options.clock.run(() => this.callSubworkflow('main', [args]));
  }

  /**
   * `main` on the clock another execution already drives: a child execution that a connector of
   * the running one starts (the Workflow Executions connector), with its own steps and variables.
   */
  runChild(args: Value): Promise<Value> {
    return this.callSubworkflow('main', [args]);
  }

  private expr(body: string): Node {
    let n = this.parsed.get(body);
    if (!n) {
      if (body.length + 3 > 400) throw new Error(`expression over 400 characters: ${body.slice(0, 60)}...`);
      n = parse(body);
      this.parsed.set(body, n);
    }
    return n;
  }

  /** Evaluates a value: expression strings, and expressions nested in maps and lists. */
  value(v: unknown, scope: Scope): Value {
    if (typeof v === 'string') {
      const body = expressionBody(v);
      return body === null ? v : evaluate(this.expr(body), { lookup: (n) => scope.lookup(n), env: this.options.env });
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x, scope));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, Value> = {};
      for (const [k, x] of Object.entries(v)) setOwn(out, k, this.value(x, scope));
      return out;
    }
    return v as Value;
  }

  private async callSubworkflow(name: string, positional: Value[] | null, named?: Record<string, Value>): Promise<Value> {
    const sub = this.definition[name];
    if (!sub) throw new Error(`no subworkflow ${name}`);
    const frame = new Scope(null);
    const params = sub.params ?? [];
    params.forEach((p, i) => {
      const [pname, dflt, hasDefault] =
        typeof p === 'string' ? [p, null, false] : [Object.keys(p as object)[0] as string, Object.values(p as object)[0] as Value, true];
      // A default is a value as written; the syntax reference shows only literals there
      // (https://cloud.google.com/workflows/docs/reference/syntax/subworkflows), so flowc writes no expression.
      if (typeof dflt === 'string' && dflt.includes('${')) throw new Error(`subworkflow ${name}: parameter ${pname} has an expression as its default`);
      if (positional) frame.vars.set(pname, (positional[i] ?? null) as Value);
      else if (named && pname in named) frame.vars.set(pname, named[pname] as Value);
      else if (hasDefault) frame.vars.set(pname, dflt);
      else throw new WorkflowsError(['TypeError'], `subworkflow ${name}: missing argument ${pname}`);
    });
    if (named) for (const k of Object.keys(named)) if (!frame.vars.has(k)) throw new Error(`subworkflow ${name} has no parameter ${k}`);
    try {
      await this.runSteps(sub.steps, frame);
      return null;
    } catch (e) {
      if (e instanceof Return) return e.value;
      throw e;
    }
  }

  /**
   * Runs a step list. `next: NAME` (on a step, or on a switch condition) jumps to the step of that
   * name (https://cloud.google.com/workflows/docs/reference/syntax/jumps); flowc jumps only within
   * one list, so a target elsewhere, and `end`/`break`/`continue`, are outside the subset here.
   */
  private async runSteps(steps: unknown, scope: Scope): Promise<void> {
    if (!Array.isArray(steps)) throw new Error('steps must be a list');
    const names = steps.map((s) => {
      const entries = Object.entries(s as object);
      if (entries.length !== 1) throw new Error('a step is a map with one key');
      return (entries[0] as [string, unknown])[0];
    });
    for (let i = 0; i < steps.length; ) {
      const [name, body] = Object.entries(steps[i] as object)[0] as [string, Record<string, unknown>];
      const jump = (await this.runStep(name, body, scope)) ?? (typeof body.next === 'string' ? body.next : undefined);
      if (jump === undefined) {
        i++;
        continue;
      }
      const to = names.indexOf(jump);
      if (to < 0) throw new Error(`step ${name}: next: ${jump} is not a step of the same list`);
      i = to;
    }
  }

  /** Runs one step; returns the step a switch condition jumps to, if any. */
  private async runStep(name: string, body: Record<string, unknown>, scope: Scope): Promise<string | undefined> {
    if (++this.steps > (this.options.maxSteps ?? 100_000)) throw new Error('over the step limit');
    const kinds = ['assign', 'call', 'switch', 'for', 'parallel', 'try', 'return', 'raise', 'steps'].filter((k) => k in body);
    if (kinds.length !== 1) throw new Error(`step ${name}: expected one kind, got ${kinds.join(',') || 'none'}`);
    const kind = kinds[0] as string;
    if ('next' in body && (typeof body.next !== 'string' || kind === 'switch' || kind === 'return' || kind === 'raise')) throw new Error(`step ${name}: this next is outside the subset`);
    switch (kind) {
      case 'assign':
        // In list order, so a later assignment reads what an earlier one of the same step wrote, as
        // the reference's examples do (https://cloud.google.com/workflows/docs/reference/syntax/variables);
        // one assignment's value is seen whole by other branches (the worker pool, dag-pool.ts, reads
        // `flowc_task[k]` written in one assignment by its dispatcher).
        for (const a of body.assign as Record<string, unknown>[]) {
          const [lhs, rhs] = Object.entries(a)[0] as [string, unknown];
          this.assignPath(lhs, this.value(rhs, scope), scope);
        }
        return;
      case 'call': {
        const target = body.call as string;
        const args = (this.value(body.args ?? {}, scope) ?? {}) as Record<string, Value>;
        let result: Value;
        // https://cloud.google.com/workflows/docs/reference/stdlib/sys/sleep: waits, in seconds.
        if (target === 'sys.sleep') {
          if (typeof args.seconds !== 'number' || args.seconds < 0) throw new WorkflowsError(['TypeError'], 'sys.sleep: seconds must be a non-negative number');
          this.sleeps++;
          await this.options.clock.sleep(args.seconds);
          result = null;
        } else if (this.definition[target]) result = await this.callSubworkflow(target, null, args);
        else {
          const c = this.options.connectors[target];
          if (!c) throw new Error(`call to ${target}, outside the subset`);
          result = await c(args, { clock: this.options.clock });
        }
        if (typeof body.result === 'string') scope.assign(body.result, result);
        return;
      }
      case 'switch':
        // The first true condition wins; `condition: true` is the reference's default case
        // (https://cloud.google.com/workflows/docs/reference/syntax/conditions); with none true the
        // next step runs.
        for (const c of body.switch as Record<string, unknown>[]) {
          const cond = this.value(c.condition, scope);
          if (typeof cond !== 'boolean') throw new WorkflowsError(['TypeError'], 'switch condition is not boolean');
          if (cond) {
            if ('next' in c) {
              if ('steps' in c || typeof c.next !== 'string') throw new Error(`step ${name}: a condition with next and steps`);
              return c.next;
            }
            await this.runSteps(c.steps, scope);
            return;
          }
        }
        return;
      case 'for':
        await this.runFor(body.for as Record<string, unknown>, scope, 1, null);
        return;
      case 'parallel':
        await this.runParallel(body.parallel as Record<string, unknown>, scope);
        return;
      case 'try':
        await this.runTry(body, scope);
        return;
      case 'return':
        throw new Return(this.value(body.return, scope));
      case 'raise': {
        // A raised map is the error itself: `raise: ${e}` in an except block re-raises the error
        // it caught, tags and all (https://cloud.google.com/workflows/docs/reference/syntax/raising-errors).
        const v = this.value(body.raise, scope);
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Bytes) && Array.isArray(v.tags)) {
          throw new WorkflowsError(v.tags as string[], typeof v.message === 'string' ? v.message : JSON.stringify(v), v);
        }
        throw new WorkflowsError(['Raised'], typeof v === 'string' ? v : JSON.stringify(v), v);
      }
      case 'steps':
        await this.runSteps(body.steps, scope);
        return;
    }
    return;
  }

  /** `name`, `name.key`, `name[expr]`, chained. */
  private assignPath(lhs: string, value: Value, scope: Scope): void {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(lhs);
    if (!m) throw new Error(`bad assignment target ${lhs}`);
    const base = m[0];
    const rest = lhs.slice(base.length);
    if (rest === '') {
      scope.assign(base, value);
      return;
    }
    const keys: Value[] = [];
    let i = 0;
    while (i < rest.length) {
      if (rest[i] === '.') {
        const k = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(rest.slice(i)) as RegExpExecArray;
        keys.push(k[1] as string);
        i += k[0].length;
      } else if (rest[i] === '[') {
        let depth = 0;
        let j = i;
        let inStr = false;
        for (; j < rest.length; j++) {
          const ch = rest[j];
          if (inStr) {
            if (ch === '\\') j++;
            else if (ch === '"') inStr = false;
          } else if (ch === '"') inStr = true;
          else if (ch === '[') depth++;
          else if (ch === ']' && --depth === 0) break;
        }
        keys.push(evaluate(this.expr(rest.slice(i + 1, j)), { lookup: (n) => scope.lookup(n), env: this.options.env }));
        i = j + 1;
      } else throw new Error(`bad assignment target ${lhs}`);
    }
    const root = structuredClone(scope.lookup(base));
    let cur = root as Value;
    keys.forEach((k, idx) => {
      const last = idx === keys.length - 1;
      if (Array.isArray(cur)) {
        if (typeof k !== 'number' || k < 0 || k >= cur.length) throw new WorkflowsError(['IndexError'], `assign index ${String(k)}`);
        if (last) cur[k] = value;
        else cur = cur[k] as Value;
      } else if (cur !== null && typeof cur === 'object' && !(cur instanceof Bytes)) {
        if (typeof k !== 'string') throw new WorkflowsError(['TypeError'], 'map key must be a string');
        if (last) setOwn(cur, k, value);
        else {
          if (!Object.hasOwn(cur, k)) setOwn(cur, k, {});
          cur = cur[k] as Value;
        }
      } else throw new WorkflowsError(['TypeError'], `cannot assign into ${typeOf(cur)}`);
    });
    scope.assign(base, root);
  }

  private async runFor(spec: Record<string, unknown>, scope: Scope, limit: number, shared: Set<string> | null): Promise<void> {
    const items = 'range' in spec ? this.range(spec.range, scope) : this.value(spec.in, scope);
    if (!Array.isArray(items)) throw new WorkflowsError(['TypeError'], 'for: in is not a list');
    const one = async (item: Value, index: number): Promise<void> => {
      const iter = new Scope(scope, shared);
      iter.vars.set(spec.value as string, item);
      if (typeof spec.index === 'string') iter.vars.set(spec.index, index);
      await this.runSteps(spec.steps, iter);
    };
    if (limit === 1 && shared === null) {
      for (let i = 0; i < items.length; i++) await one(items[i] as Value, i);
      return;
    }
    await this.pool(items.map((item, i) => () => one(item, i)), limit);
  }

  /**
   * `range: [start, end]`: the integers from start to end, both included
   * (https://cloud.google.com/workflows/docs/reference/syntax/iteration). An empty range is outside
   * what the reference describes, so it is an error here and flowc guards every range it writes.
   */
  private range(spec: unknown, scope: Scope): Value[] {
    const r = this.value(spec, scope);
    if (!Array.isArray(r) || r.length !== 2 || !r.every((x) => typeof x === 'number' && Number.isInteger(x))) throw new Error('range must be [start, end] of integers');
    const [start, end] = r as [number, number];
    if (end < start) throw new Error(`range [${start}, ${end}] is empty`);
    return Array.from({ length: end - start + 1 }, (_, i) => start + i);
  }

  private async runParallel(spec: Record<string, unknown>, scope: Scope): Promise<void> {
    const shared = new Set((spec.shared as string[] | undefined) ?? []);
    for (const v of shared) if (!scope.find(v)) throw new Error(`shared variable ${v} is not defined before the parallel step`);
    const limit = spec.concurrency_limit === undefined ? Infinity : (this.value(spec.concurrency_limit, scope) as number);
    if ('for' in spec) return this.runFor(spec.for as Record<string, unknown>, scope, limit, shared);
    const branches = spec.branches as Record<string, { steps: unknown }>[];
    if (branches.length > 10) throw new Error('more than 10 branches in a parallel step');
    await this.pool(
      branches.map((b) => () => this.runSteps((Object.values(b)[0] as { steps: unknown }).steps, new Scope(scope, shared))),
      limit,
    );
  }

  /** Runs tasks with at most `limit` at once; like continueAll, waits for all, then raises the first error. */
  private async pool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
    const errors: unknown[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < tasks.length) {
        const t = tasks[next++] as () => Promise<void>;
        await this.acquire();
        try {
          await t();
        } catch (e) {
          errors.push(e);
        } finally {
          this.release();
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    if (errors.length > 0) throw errors[0];
  }

  /** A slot among the execution's `concurrentBranches`; queued when none is free. */
  private acquire(): Promise<void> {
    const cap = this.options.concurrentBranches ?? Infinity;
    if (this.running < cap) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** Hands the slot to a queued branch (which one: `pickQueued`), or frees it. */
  private release(): void {
    if (this.queue.length === 0) {
      this.running--;
      return;
    }
    const i = this.options.pickQueued ? this.options.pickQueued(this.queue.length) : 0;
    const [start] = this.queue.splice(Math.max(0, Math.min(this.queue.length - 1, i)), 1);
    (start as () => void)();
  }

  private async runTry(body: Record<string, unknown>, scope: Scope): Promise<void> {
    const attemptBody = async (): Promise<void> => {
      const t = body.try as Record<string, unknown>;
      if ('steps' in t && Object.keys(t).length === 1) await this.runSteps(t.steps, scope);
      else await this.runStep('try', t, scope);
    };
    const retry = body.retry as Record<string, unknown> | undefined;
    const except = body.except as { as: string; steps: unknown } | undefined;
    // The error map: tags and message, plus an HttpError's code and body
    // (https://cloud.google.com/workflows/docs/reference/syntax/error-types).
    const errorMap = (e: WorkflowsError): Value => {
      const extra = e.payload !== null && typeof e.payload === 'object' && !Array.isArray(e.payload) ? e.payload : {};
      return { ...extra, message: e.message, tags: e.tags };
    };
    // An error the retries do not clear goes to `except`, if any, as the variable it names
    // (https://cloud.google.com/workflows/docs/reference/syntax/catching-errors).
    const giveUp = async (e: WorkflowsError): Promise<void> => {
      if (!except) throw e;
      scope.assign(except.as, errorMap(e));
      await this.runSteps(except.steps, scope);
    };
    let attempt = 0;
    for (;;) {
      try {
        await attemptBody();
        return;
      } catch (e) {
        if (e instanceof Return || !(e instanceof WorkflowsError)) throw e;
        if (!retry) return giveUp(e);
        const max = this.value(retry.max_retries, scope) as number;
        const predicate = typeof retry.predicate === 'string' ? expressionBody(retry.predicate) : null;
        if (predicate === null || !this.definition[predicate]) throw new Error('retry predicate must be ${subworkflow}');
        if (attempt >= max) return giveUp(e);
        const ok = await this.callSubworkflow(predicate, [errorMap(e)]);
        if (ok !== true) return giveUp(e);
        const b = this.value(retry.backoff, scope) as { initial_delay: number; max_delay: number; multiplier: number };
        const delay = Math.min(b.initial_delay * b.multiplier ** attempt, b.max_delay);
        attempt++;
        await this.options.clock.sleep(delay);
      }
    }
  }
}


/**
 * Workflows maps are plain string-keyed maps: a key named `__proto__` is a key like any other
 * (https://cloud.google.com/workflows/docs/reference/syntax/datatypes#maps), so assignments define
 * own properties instead of going through JavaScript's prototype setter.
 */
function setOwn(obj: Record<string, Value>, key: string, value: Value): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
