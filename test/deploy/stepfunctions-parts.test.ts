import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deploy } from '../../src/api/deploy.js';
import { AWS_WRITES, awsClients, FakeAws } from './fake-aws.js';

const ROLE = 'arn:aws:iam::123456789012:role/flowc-states';

/** 300 steps of 4 KB scripts: over 1 MB as one state machine, so the target cuts it into parts. */
function bigFlow(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowc-sfn-deploy-parts-'));
  const lines = ['flowc: 1', 'name: big', 'defaults: { image: alpine:3.20 }', 'targets: { stepfunctions: { region: eu-west-1 } }', 'steps:'];
  for (let i = 0; i < 300; i++) {
    lines.push(`  s${i}:`);
    if (i > 0) lines.push(`    needs: [s${i - 1}]`);
    lines.push(`    run: echo ${String(i).padStart(4, '0')}${'x'.repeat(4000)}`);
  }
  writeFileSync(join(dir, 'flow.yaml'), `${lines.join('\n')}\n`);
  return join(dir, 'flow.yaml');
}

let aws: FakeAws;
let endpoint: string;
beforeEach(async () => {
  aws = new FakeAws();
  endpoint = await aws.server.start();
});
afterEach(async () => aws.server.stop());

describe('flowc deploy --target stepfunctions, a flow partitioned into parts', () => {
  it('validates every definition, then creates the parts before the parent that starts them', async () => {
    const flow = bigFlow();
    const r = await deploy({ flow, target: 'sfn', roleArn: ROLE, clients: { aws: awsClients(endpoint) } });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.ok).toBe(true);
    const created = aws.requests.filter((q) => q.op === 'CreateStateMachine').map((q) => (q.body as { name: string }).name);
    expect(created.length).toBeGreaterThanOrEqual(3);
    const parts = created.slice(0, -1);
    expect(parts).toEqual(parts.map((_, i) => `big-part-${i + 1}`));
    expect(created.at(-1)).toBe('big');
    const ops = aws.ops();
    expect(ops.filter((op) => op === 'ValidateStateMachineDefinition')).toHaveLength(created.length);
    // Every validation before the first write.
    expect(ops.lastIndexOf('ValidateStateMachineDefinition')).toBeLessThan(ops.findIndex((op) => AWS_WRITES.includes(op)));
    // The parent starts exactly the parts deployed before it.
    const parent = aws.machines.get('big')?.definition as string;
    for (const p of parts) expect(parent).toContain(`:stateMachine:${p}'`);
    expect(r.deployed?.stateMachineArn).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:big');
    expect(r.deployed?.versionArn).toBe('arn:aws:states:eu-west-1:123456789012:stateMachine:big:1');

    // A second deploy finds them all by name and leaves them alone.
    aws.server.requests.length = 0;
    const again = await deploy({ flow, target: 'sfn', clients: { aws: awsClients(endpoint) } });
    expect(again.ok).toBe(true);
    expect(again.changes.filter((c) => c.action === 'unchanged')).toHaveLength(created.length);
  }, 120_000);

  it('a missing part without --role-arn is FLOWC741 naming it, before any write', async () => {
    const r = await deploy({ flow: bigFlow(), target: 'sfn', clients: { aws: awsClients(endpoint) } });
    expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.message])).toEqual([['FLOWC741', 'state machine big-part-1 does not exist yet, and creating it needs the IAM role it runs as']]);
    expect(aws.ops().filter((op) => AWS_WRITES.includes(op))).toEqual([]);
  }, 120_000);
});
