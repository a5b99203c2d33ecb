import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IR, IRString } from '../../../src/ir/types.js';
import { itemPathsIn, itemSlots, partVar, stepShellScript } from '../../../src/ir/shell.js';
import { canonicalJson } from '../../../src/source/canonical-json.js';
import { arbIR } from '../../helpers/arbitrary-flow.js';
import type { Value } from './interpreter/expr.js';
import { checkExecution, compile, execute } from './helpers.js';
import { schemaErrors, structureProblems } from './structure.js';

const withOptions = (ir: IR): IR => ({ ...ir, targets: { 'gcp-workflows': { project: 'proj-1', region: 'us-central1', serviceAccount: 'sa@proj-1.iam.gserviceaccount.com' } } });

function argsFor(ir: IR): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const p of ir.parameters) if (p.required) out[p.name] = p.type === 'string' ? 'v' : p.type === 'boolean' ? true : 2;
  return out;
}

const EXEC_ID = '0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab';

/** What a run-time string must become in the container, computed from the IR independently. */
function expectedText(ir: IR, s: IRString, ctx: { args: Record<string, Value>; stepId: string; item: string | null }): string {
  return s
    .map((p) => {
      switch (p.kind) {
        case 'lit':
          return p.value;
        case 'param': {
          const decl = ir.parameters.find((x) => x.name === p.name);
          return String(ctx.args[p.name] ?? decl?.default);
        }
        case 'item':
          return ctx.item ?? '';
        case 'run':
          return EXEC_ID;
        case 'flow':
          return ir.flow.name;
        case 'step':
          return ctx.stepId;
      }
    })
    .join('');
}

/** Durations derived from the step id and item, so runs are deterministic yet uneven. */
const duration = (s: string, item: string | null): number => 1 + ((s.charCodeAt(s.length - 1) * 13 + (item?.length ?? 0) * 5) % 17);

describe('random flows', () => {
  it('compile to valid definitions that run every step once and respect every needs edge', async () => {
    await fc.assert(
      fc.asyncProperty(arbIR({ maxSteps: 14 }), async (raw) => {
        const ir = withOptions(raw);
        const { yaml, diagnostics } = compile(ir);
        expect(diagnostics.errors()).toEqual([]);
        expect(schemaErrors(yaml)).toEqual([]);
        expect(structureProblems(ir, yaml)).toEqual([]);
        const args = argsFor(ir);
        const e = await execute(yaml, args, { duration });
        expect(checkExecution(ir, e)).toEqual([]);
        expect(compile(ir).yaml).toBe(yaml);
        // Every literal (hostile ones included) and run-time value reaches the container as written.
        for (const job of e.jobs) {
          const st = ir.steps.find((x) => x.id === job.step);
          if (!st) throw new Error(`unknown step ${job.step}`);
          const ctx = { args, stepId: st.id, item: job.item };
          // A run script reaches the shell as written, its run-time parts as `${FLOWC_...}`
          // references; the values are in the env the shell expands them from.
          const shell = stepShellScript(st);
          const argv = shell ? ['/bin/sh', '-c', shell.script] : st.exec.kind === 'command' ? st.exec.argv.map((a) => expectedText(ir, a, ctx)) : [];
          expect([job.entrypoint, ...job.commands]).toEqual(argv);
          for (const v of [...st.env, ...(shell?.env ?? [])]) expect(job.env[v.name]).toBe(expectedText(ir, v.value, ctx));
          // Every variable the script reads (system ones too) holds the value its part stands for.
          if (st.exec.kind === 'run') {
            const slots = itemSlots(itemPathsIn(st.exec.script));
            for (const part of st.exec.script) if (part.kind !== 'lit') expect(job.env[partVar(part, slots)]).toBe(expectedText(ir, [part], ctx));
          }
          expect(job.env.FLOWC_CONFIG).toBe(canonicalJson(ir.config.values));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('of series-parallel shape lose no concurrency: each step starts as soon as its needs are done', async () => {
    await fc.assert(
      fc.asyncProperty(arbIR({ maxSteps: 10, seriesParallelOnly: true, foreach: false }), async (raw) => {
        const ir = withOptions(raw);
        const { yaml, diagnostics } = compile(ir);
        // Deep nesting may still serialize (FLOWC640); only check the exact case.
        if (diagnostics.items.some((d) => d.code === 'FLOWC640' || d.code === 'FLOWC605')) return;
        const e = await execute(yaml, argsFor(ir), { duration });
        const end = new Map(e.jobs.map((j) => [j.step, j.end]));
        for (const j of e.jobs) {
          const needs = ir.edges.filter(([, to]) => to === j.step).map(([from]) => end.get(from) as number);
          expect(j.start).toBe(Math.max(0, ...needs));
        }
      }),
      { numRuns: 60 },
    );
  });
});
