import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import type { Code } from '../diagnostics/codes.js';
import { suggestDuration } from '../diagnostics/suggest.js';
import { checkCron, checkTimezone } from './cron.js';
import { parseCpu, parseDuration, parseGpu, parseMemory, type UnitResult } from './units.js';

/**
 * The flow schema's one custom keyword: `flowcCheck: <kind>` hands a literal value to flowc's own
 * parser, so editors get the schema's patterns and the compiler gets the parser's messages.
 * Values holding `${...}` are skipped here and checked once resolved.
 */
export const FLOWC_CHECK_KINDS = ['duration', 'memory', 'cpu', 'gpu', 'cron', 'timezone'] as const;
export type CheckKind = (typeof FLOWC_CHECK_KINDS)[number];

export const CHECK_CODES: Record<CheckKind, Code> = {
  duration: 'FLOWC305',
  memory: 'FLOWC306',
  cpu: 'FLOWC307',
  gpu: 'FLOWC308',
  cron: 'FLOWC309',
  timezone: 'FLOWC310',
};

/**
 * A code keyword (not a compiled closure) so the flow validator can be generated at build time:
 * the generated module reaches the parsers through `imports.flowcJudge`, which the loader passes
 * in (src/validators/prebuilt.ts); a runtime compile uses the function itself.
 */
export function addFlowcCheckKeyword(ajv: Ajv): void {
  // Only when compiling: a run with generated validators never loads ajv's code generator.
  const { _ } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
  ajv.addKeyword({
    keyword: 'flowcCheck',
    schemaType: 'string',
    metaSchema: { enum: [...FLOWC_CHECK_KINDS] },
    code(cxt) {
      const judgeFn = cxt.gen.scopeValue('func', { ref: judge, code: _`imports.flowcJudge` });
      const verdict = cxt.gen.const('verdict', _`${judgeFn}(${cxt.schemaCode}, ${cxt.data})`);
      cxt.setParams({ verdict });
      cxt.fail(_`${verdict} !== undefined`);
    },
    error: {
      message: ({ params }) => _`${params.verdict as Code & object}.error`,
      params: ({ schemaCode, params }) => _`{kind: ${schemaCode}, note: ${params.verdict as Code & object}.note}`,
    },
  });
}

/** What the generated flow validator imports (see addFlowcCheckKeyword). */
export const FLOW_VALIDATOR_IMPORTS = { flowcJudge: judge };

const PARSERS = { duration: parseDuration, memory: parseMemory, cpu: parseCpu, gpu: parseGpu };

/** The parser's verdict on a literal value; undefined when it is fine or not ours to judge. */
export function judge(kind: CheckKind, data: unknown): { error: string; note?: string } | undefined {
  if (typeof data === 'string' && data.includes('${')) return undefined;
  const scalar = typeof data === 'string' || typeof data === 'number';
  switch (kind) {
    case 'duration':
    case 'memory':
    case 'cpu':
    case 'gpu': {
      // Lists, maps, booleans and null are a wrong type: the schema's anyOf names what fits.
      if (!scalar) return undefined;
      const r: UnitResult = PARSERS[kind](data);
      if (r.ok) return undefined;
      const near = kind === 'duration' ? suggestDuration(data) : undefined;
      return near === undefined ? { error: r.error } : { error: r.error, note: `did you mean '${near}'?` };
    }
    case 'cron': {
      if (typeof data !== 'string') return undefined;
      const r = checkCron(data);
      return r.ok ? undefined : { error: r.error };
    }
    case 'timezone': {
      if (typeof data !== 'string') return undefined;
      const r = checkTimezone(data);
      if (r.ok) return undefined;
      return r.suggestion === undefined ? { error: r.error } : { error: r.error, note: `did you mean '${r.suggestion}'?` };
    }
  }
}
