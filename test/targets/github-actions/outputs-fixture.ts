import type { IR, IRString } from '../../../src/ir/types.js';
import { irWith, step } from './helpers.js';

const lit = (value: string) => ({ kind: 'lit' as const, value });
const out = (s: string, o: string) => ({ kind: 'output' as const, step: s, output: o });
const origin = { file: 'flow.yaml', line: 3, col: 5 };

/** The shape of fixtures/dynamic-shards, built by hand: split -> dynamic process -> join, plus readers. */
export function shardsIR(over: { container?: boolean } = {}): IR {
  const split = step('split', {
    exec: { kind: 'run', script: [lit('python split.py > "$FLOWC_OUTPUTS/shards"\necho "s3://bucket/model" > "$FLOWC_OUTPUTS/manifest"\n')] },
    outputs: [
      { name: 'manifest', type: 'string', origin },
      { name: 'shards', type: 'json', origin },
    ],
  });
  const script: IRString = [lit('echo "shard '), { kind: 'item', path: ['id'] }, lit(' of '), out('split', 'manifest'), lit('" && echo "'), { kind: 'item', path: ['id'] }, lit('-ok" > "$FLOWC_OUTPUTS/result"\n')];
  const process = step('process', {
    needs: ['split'],
    exec: { kind: 'run', script },
    foreach: { items: [], from: { step: 'split', output: 'shards' }, parallelism: 4 },
    outputs: [{ name: 'result', type: 'string', origin }],
  });
  const join = step('join', {
    needs: ['process'],
    exec: { kind: 'command', argv: [[lit('python')], [lit('join.py')], [lit('--results')], [out('process', 'result')]] },
    env: [{ name: 'MANIFEST', value: [out('split', 'manifest')] }],
  });
  const targets: IR['targets'] = over.container === false ? { 'github-actions': { container: false } } : {};
  return irWith([split, process, join], { targets });
}
