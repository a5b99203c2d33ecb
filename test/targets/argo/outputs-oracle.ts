import { outputRefsIn, outputSlots } from '../../../src/ir/shell.js';
import type { IR, IRStep } from '../../../src/ir/types.js';
import { type RunResult, runWorkflow } from './argo-sim.js';
import { shellExec } from './shell-exec.js';

/**
 * Runs a compiled flow with step outputs in the Argo model, every producer's own command replaced
 * by one that writes sample values (a json output: a list of two shard maps; a string output: a
 * text naming the task and item index, with a trailing newline) and every other command skipped,
 * so fixtures whose steps call `python` run here. Returns the run and what flowc's semantics say
 * each output's text is (docs/outputs.md): a plain step's value, or a foreach step's JSON list of
 * its tasks' values in item order.
 */
export const SAMPLE_SHARDS = [{ id: 'shard-0', n: 1 }, { id: 'shard-1', n: 2 }];

function sampleValue(type: 'json' | 'string', stepId: string, index: number | null): string {
  return type === 'json' ? JSON.stringify(SAMPLE_SHARDS) : `value of ${stepId}${index === null ? '' : ` #${index}`} {{x}} $(y)`;
}

export function runWithSampleOutputs(ir: IR, wt: Record<string, any>): { run: RunResult; expectedText: (step: string, output: string) => string } {
  const byTask = new Map<string, IRStep>(ir.steps.map((s) => [s.id.replace(/_/g, '-').replace(/-+$/, ''), s]));
  const run = runWorkflow(wt, {
    workflowName: `${wt.metadata.name}-x7k2p`,
    params: Object.fromEntries(ir.parameters.filter((p) => p.default === undefined).map((p) => [p.name, `v-${p.name}`])),
    exec: shellExec({
      inner: (task, index, argv) => {
        const s = byTask.get(task);
        if (!s || s.outputs.length === 0) return ['skipped', ...argv];
        const writes = s.outputs.map((o) => `printf '%s\\n' '${sampleValue(o.type, s.id, index).replace(/'/g, `'\\''`)}' > "$FLOWC_OUTPUTS/${o.name}"`);
        return ['sh', '-c', writes.join('\n')];
      },
    }),
  });
  const taskCount = (s: IRStep): number | null => {
    if (!s.foreach) return null;
    if (s.foreach.from === null) return s.foreach.items.length;
    return SAMPLE_SHARDS.length;
  };
  const expectedText = (stepId: string, output: string): string => {
    const s = ir.steps.find((x) => x.id === stepId) as IRStep;
    const type = s.outputs.find((o) => o.name === output)?.type ?? 'string';
    const n = taskCount(s);
    if (n === null) return sampleValue(type, s.id, null);
    const values = Array.from({ length: n }, (_, i) => sampleValue(type, s.id, i));
    return JSON.stringify(values.map((v) => (type === 'json' ? JSON.parse(v) : v)));
  };
  return { run, expectedText };
}

/** Each consumer's FLOWC_STEPS_* variables, as the container got them and as flowc says they are (JSON parsed where it is JSON). */
export function outputVariables(ir: IR, run: RunResult, expectedText: (step: string, output: string) => string): { got: unknown[]; want: unknown[] } {
  const got: unknown[] = [];
  const want: unknown[] = [];
  const parse = (text: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  for (const s of ir.steps) {
    const strings = [...(s.exec.kind === 'run' ? [s.exec.script] : s.exec.argv), ...s.env.map((e) => e.value)];
    const slots = outputSlots(strings.flatMap(outputRefsIn));
    for (const c of run.containers.get(s.id.replace(/_/g, '-').replace(/-+$/, '')) ?? []) {
      for (const slot of slots) {
        got.push([s.id, slot.envVar, parse(c.env.find(([n]) => n === slot.envVar)?.[1] ?? '<missing>')]);
        want.push([s.id, slot.envVar, parse(expectedText(slot.step, slot.output))]);
      }
    }
  }
  return { got, want };
}
