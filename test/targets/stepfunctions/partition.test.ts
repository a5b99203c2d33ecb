import { describe, expect, it } from 'vitest';
import { syntheticFlow } from '../../../scripts/synthetic-flow.mjs';
import { explain } from '../../../src/explain/index.js';
import type { IR } from '../../../src/ir/types.js';
import { stepFunctionsTarget } from '../../../src/targets/stepfunctions/index.js';
import { STARTED_BY_KEY } from '../../../src/targets/stepfunctions/parent-machine.js';
import { expectPartsCoverFlow } from '../../helpers/partition-cover.js';
import { aslErrors, checkExecution, makeIR, step } from './helpers.js';
import { ACCOUNT_CONTEXT, compileParts, irOf, recoverParts, runPartitioned } from './partition-harness.js';

/** A layered flow like syntheticFlow's, with parameters, a foreach, a secret and a schedule. */
function mediumFlow(n: number): string {
  const lines = [
    'flowc: 1',
    'name: medium',
    'parameters:',
    '  date: { type: string, default: "2026-01-01" }',
    '  mode: { type: string, default: quick, enum: [quick, full] }',
    'secrets:',
    '  token: { stepfunctions: "arn:aws:secretsmanager:us-east-1:123456789012:secret:tok-AbCdEf" }',
    'schedule: { cron: "30 6 * * 1-5", timezone: Europe/Amsterdam }',
    'defaults:',
    '  image: alpine:3.20',
    'targets:',
    '  stepfunctions:',
    `    region: ${ACCOUNT_CONTEXT.region}`,
    `    account: "${ACCOUNT_CONTEXT.account}"`,
    '    scheduleRoleArn: "arn:aws:iam::123456789012:role/scheduler"',
    '    executionRoleArn: "arn:aws:iam::123456789012:role/batch-execution"',
    // Nested blocks: the local runner runs each `.sync` Task to its end; Batch job dependencies
    // (dag: auto picks them for this graph) would need Batch itself.
    '    dag: blocks',
    'steps:',
  ];
  for (let i = 0; i < n; i++) {
    const layer = Math.floor(i / 10);
    lines.push(`  s${i}:`);
    if (layer > 0) lines.push(`    needs: [${[...new Set([0, 3, 7].map((k) => (layer - 1) * 10 + ((i + k) % 10)))].map((p) => `s${p}`).join(', ')}]`);
    if (i === Math.floor(n / 2)) {
      lines.push('    foreach: [eu, us, ap]', '    parallelism: 2', '    command: [sync, --region, "${item}", --mode, "${params.mode}"]');
    } else if (i === Math.floor(n / 2) + 1) {
      lines.push('    env: { TOKEN: "${secrets.token}" }', '    image: ghcr.io/acme/publisher:1.0', '    run: publish --date "${params.date}" --run "${run.id}"');
    } else lines.push(`    command: [run, --step, s${i}, --date, "\${params.date}"]`);
  }
  return `${lines.join('\n')}\n`;
}

const FORCED = { maxSteps: 40, definitionBytes: 1_000_000, historyEvents: 25_000 };

describe('Step Functions partitioning (issue 19)', () => {
  it('compiles a 10,000-step flow as parts started by a parent, every part valid and the parts covering the flow', () => {
    const ir = irOf(syntheticFlow(10000));
    const { artifacts, diagnostics } = compileParts(ir);
    expect(diagnostics.errors()).toEqual([]);
    const warning = diagnostics.items.find((d) => d.code === 'FLOWC684');
    expect(warning?.span).toEqual({ file: ir.flow.source, line: 1, col: 1 });
    expect(warning?.message).toMatch(/^the flow is compiled as (\d+) state machines \(synthetic-10000-part-01\.asl\.json \.\.\.\) started in order by synthetic-10000\.asl\.json, because its definition would be at least \d+ bytes \(estimated\), over Step Functions' limit of 1048576; \d+ needs edges cross parts/);
    const { recovered, parent } = recoverParts(artifacts, ir.flow.name);
    expectPartsCoverFlow(ir, recovered, { exactInside: false });
    expect(artifacts.filter((a) => a.path.endsWith('.asl.json'))).toHaveLength(recovered.parts.length + 1);
    for (const a of artifacts.filter((x) => x.path.endsWith('.asl.json'))) {
      expect(Buffer.byteLength(a.contents)).toBeLessThanOrEqual(1_048_576);
      expect({ file: a.path, errors: aslErrors(JSON.parse(a.contents)) }).toEqual({ file: a.path, errors: [] });
    }
    // One set of job definitions for the whole flow (every part submits to them by name).
    expect(artifacts.filter((a) => a.path.endsWith('.batch.json')).map((a) => a.path)).toEqual(['synthetic-10000.batch.json']);
    expect(JSON.stringify(parent)).toContain('arn:aws:states:::states:startExecution.sync:2');
  }, 600_000);

  it('runs a medium flow forced into parts: every step once, after its needs, with the parameters, the run id, the foreach items; secret and schedule kept', async () => {
    const ir = irOf(mediumFlow(300));
    const { artifacts, diagnostics } = compileParts(ir, FORCED);
    expect(diagnostics.errors()).toEqual([]);
    expect(diagnostics.items.map((d) => d.code)).toContain('FLOWC684');
    const { recovered, parent, children } = recoverParts(artifacts, ir.flow.name);
    expect(recovered.parts.length).toBeGreaterThanOrEqual(8);
    expectPartsCoverFlow(ir, recovered, { exactInside: false });
    for (const a of artifacts.filter((x) => x.path.endsWith('.asl.json'))) expect({ file: a.path, errors: aslErrors(JSON.parse(a.contents)) }).toEqual({ file: a.path, errors: [] });

    // The schedule starts the parent, with the parameters' defaults; no part has a schedule.
    expect(artifacts.filter((a) => a.path.endsWith('.schedule.json')).map((a) => a.path)).toEqual(['medium.schedule.json']);
    const schedule = JSON.parse((artifacts.find((a) => a.path === 'medium.schedule.json') as { contents: string }).contents);
    expect(schedule.Target.Arn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:medium');
    expect(JSON.parse(schedule.Target.Input)).toEqual({ date: '2026-01-01', mode: 'quick' });
    // The secret reaches the job definition of the step that reads it.
    const batch = JSON.parse((artifacts.find((a) => a.path === 'medium.batch.json') as { contents: string }).contents);
    const withSecret = batch.jobDefinitions.filter((d: any) => JSON.stringify(d).includes('secret:tok-AbCdEf'));
    expect(withSecret).toHaveLength(1);
    expect(withSecret[0].containerProperties.image).toBe('ghcr.io/acme/publisher:1.0');

    const input = { date: '2026-03-04', mode: 'full' };
    const run = await runPartitioned({ parent, children, input, runId: 'run-7', machine: 'medium' });
    expect(run.error).toBeUndefined();
    // Each part started once, under the parent's run id, linked to the parent, with every parameter.
    expect(run.starts.map((s) => s.StateMachineArn).sort()).toEqual(recovered.parts.map((p) => `arn:aws:states:us-east-1:123456789012:stateMachine:${p.name}`).sort());
    for (const s of run.starts) {
      expect(s.Name).toBe('run-7');
      expect(s.Input).toEqual({ [STARTED_BY_KEY]: 'arn:aws:states:us-east-1:123456789012:execution:medium:run-7', ...input });
    }
    // Commands, environment (FLOWC_RUN_ID is the parent's run id), runs per step and every needs edge in time.
    const all = { StartAt: 'x', States: { x: { Type: 'Parallel', Branches: [...children.values()], End: true } } };
    expect(checkExecution(ir, all, run, { input, runId: 'run-7', includeConfig: true })).toEqual([]);
    expect(run.records).toHaveLength(ir.steps.length + 2);
  }, 600_000);

  it('partitions a flow whose estimate fits but whose whole definition comes out over 1 MB (FLOWC603 caught, not reported)', () => {
    // 1,300 short steps: under 1 MB by the lower-bound estimate, over it once compiled whole.
    const ir = makeIR(Array.from({ length: 1300 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`] })));
    const { artifacts, diagnostics } = compileParts(ir);
    expect(diagnostics.errors()).toEqual([]);
    const w = diagnostics.items.filter((d) => d.code === 'FLOWC684');
    expect(w.map((d) => d.message)).toEqual([expect.stringMatching(/, because the state machine definition is (\d+) bytes, (\d+) over the limit of 1048576 bytes on Step Functions state machine definitions; (\d+) needs edges cross parts/)]);
    const { recovered } = recoverParts(artifacts, ir.flow.name);
    // A chain: each part waits for the one before, through one edge.
    expect(w[0]?.message).toContain(`; ${recovered.parts.length - 1} needs edges cross parts`);
    expect(recovered.parts.length).toBeGreaterThanOrEqual(2);
    expectPartsCoverFlow(ir, recovered, { exactInside: false });
    // The same IR compiled again is decided again, the same way.
    const again = compileParts(ir);
    expect(again.diagnostics.errors()).toEqual([]);
    expect(again.artifacts).toEqual(artifacts);
  });

  it('partitions a flow on ECS compute too: parts valid, and the parent runs every step once after its needs', async () => {
    const steps = Array.from({ length: 120 }, (_, i) => step(`s${i}`, { needs: i < 4 ? [] : [`s${i - 4}`, `s${i - 1 - (i % 3)}`] }));
    const ir = makeIR(steps, { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2', cluster: 'c1' } } } });
    const { artifacts, diagnostics } = compileParts(ir, { ...FORCED, maxSteps: 25 });
    expect(diagnostics.errors()).toEqual([]);
    expect(artifacts.some((a) => a.path.endsWith('.batch.json'))).toBe(false);
    const { recovered, parent, children } = recoverParts(artifacts, ir.flow.name);
    expect(recovered.parts.length).toBeGreaterThanOrEqual(5);
    expectPartsCoverFlow(ir, recovered, { exactInside: false });
    for (const a of artifacts) expect({ file: a.path, errors: aslErrors(JSON.parse(a.contents)) }).toEqual({ file: a.path, errors: [] });
    const run = await runPartitioned({ parent, children, input: {}, runId: 'r-ecs', machine: ir.flow.name });
    const all = { StartAt: 'x', States: { x: { Type: 'Parallel', Branches: [...children.values()], End: true } } };
    expect(checkExecution(ir, all, run, { input: {}, runId: 'r-ecs', includeConfig: true })).toEqual([]);
  }, 600_000);

  it('flowc explain finds every step, foreach, secret and the schedule in a partitioned flow, naming the part of each step', () => {
    const ir = irOf(mediumFlow(60));
    const { artifacts, diagnostics } = compileParts(ir, { ...FORCED, maxSteps: 15 });
    expect(diagnostics.errors()).toEqual([]);
    const e = explain({ ir, target: stepFunctionsTarget, artifacts, warnings: [], relativize: (p) => p });
    expect(e.steps.map((x) => x.step)).toEqual(ir.steps.map((x) => x.id));
    expect(e.steps[0]?.within[0]).toBe('state machine `medium-part-1.asl.json`, started by the parent `medium.asl.json`');
    expect(e.foreach.map((f) => f.subject)).toEqual(['s30']);
    expect(e.secrets.map((x) => x.subject)).toEqual(['s31: TOKEN']);
    expect(e.schedule).toContain('arn:aws:states:us-east-1:123456789012:stateMachine:medium');
  });

  it('compiles a flow within the limits as one state machine, as before', () => {
    const ir = irOf(mediumFlow(30));
    const { artifacts, diagnostics } = compileParts(ir);
    expect(diagnostics.items.map((d) => d.code)).not.toContain('FLOWC684');
    expect(artifacts.map((a) => a.path).sort()).toEqual(['medium.asl.json', 'medium.batch.json', 'medium.schedule.json']);
  });
});

describe('Step Functions partitioning diagnostics', () => {
  it('refuses a step output read across parts (FLOWC685), at the reading step', () => {
    const text = [
      'flowc: 1',
      'name: reads',
      'defaults: { image: alpine:3.20 }',
      'targets: { stepfunctions: { datastore: "s3://bucket/flowc" } }',
      'steps:',
      '  a:',
      '    run: echo 1 > "$FLOWC_OUTPUTS/n"',
      '    outputs: { n: { type: string } }',
      ...Array.from({ length: 6 }, (_, i) => [`  m${i}:`, `    needs: [${i === 0 ? 'a' : `m${i - 1}`}]`, '    command: [noop]']).flat(),
      '  b:',
      '    needs: [m5]',
      '    command: [use, "${steps.a.outputs.n}"]',
    ].join('\n');
    const ir = irOf(`${text}\n`);
    const { artifacts, diagnostics } = compileParts(ir, { ...FORCED, maxSteps: 4 });
    expect(artifacts).toEqual([]);
    const errors = diagnostics.errors();
    expect(errors.map((d) => d.code)).toEqual(['FLOWC685']);
    expect(errors[0]?.message).toMatch(/^step 'b' reads output 'n' of step 'a', which the partition of this flow \(too big for one state machine\) puts in another state machine \(part 1, not part [2-9]\); outputs do not cross state machines$/);
    const b = ir.steps.find((s) => s.id === 'b') as IR['steps'][number];
    expect(errors[0]?.span).toEqual({ file: b.origin.file, line: b.origin.line, col: b.origin.col });
    expect(b.origin.line).toBe(27);
  });

  it('refuses a step that alone is over the 1 MB definition limit (FLOWC686), at that step', () => {
    const items = Array.from({ length: 24000 }, (_, i) => `item-${String(i).padStart(6, '0')}-${'x'.repeat(30)}`);
    const text = ['flowc: 1', 'name: huge', 'defaults: { image: alpine:3.20 }', 'steps:', '  a:', '    command: [noop]', '  big:', '    needs: [a]', `    foreach: ${JSON.stringify(items)}`, '    command: [work, "${item}"]'].join('\n');
    const ir = irOf(`${text}\n`);
    const { artifacts, diagnostics } = compileParts(ir);
    expect(artifacts).toEqual([]);
    const d = diagnostics.errors().find((x) => x.code === 'FLOWC686');
    expect(d?.message).toMatch(/^step 'big' alone does not fit in a state machine, so no partition of the flow can run it: the state machine definition is \d+ bytes, \d+ over the limit of 1048576 bytes on Step Functions state machine definitions$/);
    // Its other problems are reported too (the items are over the payload limit as well).
    expect(diagnostics.errors().map((x) => x.code).sort()).toEqual(['FLOWC603', 'FLOWC686']);
    expect(d?.span).toEqual({ file: ir.flow.source, line: 7, col: 3 });
  }, 120_000);
});

describe('Step Functions partitioning: the parent', () => {
  it("runs in the AWS partition the steps' ARNs name, and refuses two partitions in different parts (FLOWC626)", () => {
    const cn = 'arn:aws-cn:batch:cn-north-1:123456789012:job-queue/q';
    const chain = (over: (i: number) => Record<string, unknown>) => makeIR(Array.from({ length: 12 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`], ...over(i) })));
    const china = compileParts(chain((i) => (i === 0 ? { targets: { stepfunctions: { jobQueue: cn } } } : {})), { ...FORCED, maxSteps: 4 });
    expect(china.diagnostics.errors()).toEqual([]);
    const parent = JSON.parse((china.artifacts.find((a) => a.primary) as { contents: string }).contents);
    expect(parent.States['part-1'].Resource).toBe('arn:aws-cn:states:::states:startExecution.sync:2');

    const both = compileParts(chain((i) => (i === 0 ? { targets: { stepfunctions: { jobQueue: cn } } } : i === 11 ? { targets: { stepfunctions: { jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q' } } } : {})), { ...FORCED, maxSteps: 4 });
    expect(both.artifacts).toEqual([]);
    const errors = both.diagnostics.errors();
    expect(errors.map((d) => d.code)).toEqual(['FLOWC626']);
    expect(errors[0]?.message).toBe("the options name two AWS partitions: steps.s0.targets.stepfunctions.jobQueue 'arn:aws-cn:batch:cn-north-1:123456789012:job-queue/q' is in 'aws-cn', steps.s11.targets.stepfunctions.jobQueue 'arn:aws:batch:us-east-1:123456789012:job-queue/q' is in 'aws'; one state machine runs in one partition");
    expect(errors[0]?.span).toEqual({ file: 'flow.yaml', line: 1, col: 1 });
  });

  it('refuses a parent whose own history would pass 25,000 events (FLOWC687), with the numbers, at the flow', () => {
    // One step per part: 4,200 parts make the parent's run 2 + 4,200 x 6 = 25,202 events.
    const ir = makeIR(Array.from({ length: 4200 }, (_, i) => step(`s${i}`, { needs: i === 0 ? [] : [`s${i - 1}`] })));
    const { artifacts, diagnostics } = compileParts(ir, { maxSteps: 1, definitionBytes: 1_000_000, historyEvents: 25_000 });
    expect(artifacts).toEqual([]);
    const errors = diagnostics.errors();
    // So many parts make the parent's definition too big as well (FLOWC603, checked like any definition).
    expect(errors.map((d) => d.code)).toEqual(['FLOWC603', 'FLOWC687']);
    expect(errors[0]?.message).toMatch(/^the state machine definition is \d+ bytes, \d+ over the limit of 1048576 bytes/);
    const history = errors[1];
    expect(history?.message).toBe("the parent state machine of the 4200 parts writes about 25202 history events in a run, 202 over a Standard execution's limit of 25000");
    expect(history?.span).toEqual({ file: ir.flow.source, line: 1, col: 1 });
  }, 600_000);
});
