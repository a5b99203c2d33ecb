import { canonicalJson, sha256Hex } from '../../src/source/canonical-json.js';
import type { Json } from '../../src/source/tree.js';
import { type IR, IR_VERSION, type IRParameter, type IRStep, type IRString } from '../../src/ir/types.js';

/** Hand-built IRs for target unit tests (fixtures cover the front end; these isolate a target). */
export const ORIGIN = { file: 'flow.yaml', line: 1, col: 1 };
export const lit = (value: string): IRString => (value === '' ? [] : [{ kind: 'lit', value }]);

/** A step with everything defaulted; override what a test cares about. */
export function step(id: string, over: Partial<IRStep> = {}): IRStep {
  return {
    id,
    needs: [],
    image: 'python:3.12-slim',
    exec: { kind: 'command', argv: [lit('python'), lit(`${id}.py`)] },
    env: [],
    secretEnv: [],
    resources: { cpuMillis: 1000, memoryMiB: 2048, gpu: 0 },
    retry: null,
    timeoutSeconds: null,
    foreach: null,
    outputs: [],
    targets: {},
    origin: ORIGIN,
    ...over,
  };
}

export const param = (p: Partial<IRParameter> & { name: string }): IRParameter => ({ type: 'string', required: false, origin: ORIGIN, ...p });

/** An IR from steps (edges from their `needs`, in step order) and extras. */
export function makeIR(steps: IRStep[], over: Partial<IR> = {}): IR {
  const values: Record<string, Json> = { app: { region: 'eu' } };
  const order = new Map(steps.map((s, i) => [s.id, i]));
  const edges = steps.flatMap((s) => s.needs.map((n) => [n, s.id] as [string, string]));
  edges.sort((a, b) => (order.get(a[0]) as number) - (order.get(b[0]) as number) || (order.get(a[1]) as number) - (order.get(b[1]) as number));
  return {
    irVersion: IR_VERSION,
    flowcVersion: '0.1.0',
    flow: { name: 'demo', description: null, source: 'flow.yaml', sourceHash: '0'.repeat(64) },
    config: { hash: sha256Hex(canonicalJson(values)), values },
    parameters: [],
    schedule: null,
    steps,
    edges,
    targets: {},
    secrets: [],
    ...over,
  };
}
