import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { IROrigin, IRParameter } from '../ir/types.js';
import type { Span } from '../source/span.js';

export type ParamValue = string | number | boolean;

/**
 * `--param k=v` checked as the targets check a run's input (src/targets/stepfunctions/parameters.ts,
 * Argo's enum, GitHub's choice inputs): every required parameter given, every value of the
 * parameter's type and in its enum, no unknown name. Defaults fill the rest. All problems at once.
 */
export function runParameters(options: { params: readonly IRParameter[]; given: readonly string[]; flowDir: string }): { values: Record<string, ParamValue>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const byName = new Map(options.params.map((p) => [p.name, p]));
  const given = new Map<string, string>();
  for (const arg of options.given) {
    const eq = arg.indexOf('=');
    if (eq <= 0) {
      diagnostics.push({ code: 'FLOWC850', severity: 'error', message: `--param ${arg}: expected NAME=VALUE`, notes: ['for example: --param epochs=3'] });
      continue;
    }
    const name = arg.slice(0, eq);
    if (!byName.has(name)) {
      const known = options.params.map((p) => p.name);
      diagnostics.push({ code: 'FLOWC851', severity: 'error', message: `--param ${name}: the flow declares no parameter '${name}'`, notes: [known.length > 0 ? `parameters: ${known.join(', ')}` : 'the flow declares no parameters'] });
      continue;
    }
    given.set(name, arg.slice(eq + 1));
  }
  const values: Record<string, ParamValue> = Object.create(null) as Record<string, ParamValue>;
  for (const p of options.params) {
    const span = spanOf(options.flowDir, p.origin);
    const text = given.get(p.name);
    if (text === undefined) {
      if (p.default !== undefined) values[p.name] = p.default;
      else if (p.required) diagnostics.push({ code: 'FLOWC852', severity: 'error', message: `parameter '${p.name}' is required: pass --param ${p.name}=${example(p)}`, span });
      continue;
    }
    const value = parseValue(p, text);
    if (value === undefined || (p.enum && p.enum.length > 0 && !p.enum.some((e) => e === value))) {
      diagnostics.push({ code: 'FLOWC853', severity: 'error', message: `--param ${p.name}=${text}: parameter '${p.name}' must be ${expectation(p)}`, span });
    } else values[p.name] = value;
  }
  return { values, diagnostics };
}

/** A command-line value as the parameter's type: numbers as JSON numbers, booleans as true/false. */
function parseValue(p: IRParameter, text: string): ParamValue | undefined {
  switch (p.type) {
    case 'string':
      return text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'number':
    case 'integer': {
      if (!/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
      const n = Number(text);
      if (!Number.isFinite(n)) return undefined;
      return p.type === 'integer' && !Number.isInteger(n) ? undefined : n;
    }
  }
}

function spanOf(flowDir: string, origin: IROrigin): Span {
  return { file: join(flowDir, origin.file), line: origin.line, col: origin.col };
}

function expectation(p: IRParameter): string {
  const kind = p.type === 'string' ? 'a string' : p.type === 'boolean' ? 'true or false' : p.type === 'integer' ? 'an integer' : 'a number';
  return p.enum && p.enum.length > 0 ? `${kind}, one of ${p.enum.map((v) => JSON.stringify(v)).join(', ')}` : kind;
}

function example(p: IRParameter): string {
  if (p.enum && p.enum.length > 0) return String(p.enum[0]);
  return p.type === 'string' ? 'VALUE' : p.type === 'boolean' ? 'true' : '1';
}
