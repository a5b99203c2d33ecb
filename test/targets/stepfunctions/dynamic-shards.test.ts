import { afterAll, describe, expect, it } from 'vitest';
import { fixtureIR } from '../../helpers/fixtures.js';
import { aslErrors, compile, findState } from './helpers.js';
import { FakeS3, type JobRecord, runWithOutputs } from './outputs-harness.js';

const RUN_ID = 'flowc-shards-run-0001';
const DATASTORE_ROOT = 's3://acme-flowc/runs/dynamic-shards';

/**
 * The done-when test of issue 17 for Step Functions: the dynamic-shards fixture, as compiled,
 * executes in aws-local-stepfunctions. Local handlers stand in for Batch (each job "runs" by
 * writing the S3 objects its wrapper would upload, under the FLOWC_OUTPUTS_URI the state machine
 * gave it) and for S3 GetObject (reading them back). The wrapper itself runs under real sh in
 * wrapper.test.ts and outputs.test.ts.
 */
describe('fixture dynamic-shards executes on Step Functions', () => {
  const ir = fixtureIR('dynamic-shards');
  const compiled = compile(ir);
  const def = compiled.definition as Record<string, any>;
  const s3s: FakeS3[] = [];
  afterAll(() => {
    for (const s of s3s) s.clean();
  });

  /** split publishes `n` shards; each process task publishes `<id>-done`. */
  const simulate = (n: number, o: { skip?: string } = {}) => (job: JobRecord): Record<string, string> => {
    if (job.state === 'split') {
      const files: Record<string, string> = {
        shards: JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: `shard-${i}`, rows: 100 + i }))),
        manifest: `${job.env.FLOWC_PARAM_DATASET}/manifest.json`,
      };
      if (o.skip) delete files[o.skip];
      return files;
    }
    if (job.state === 'process') return { result: `${job.env.FLOWC_ITEM_ID}-done` };
    return {};
  };

  it('compiles without errors and passes asl-validator', () => {
    expect(compiled.diagnostics.errors()).toEqual([]);
    expect(aslErrors(def)).toEqual([]);
    expect(findState(def, 'process-foreach')?.ItemsPath).toBe('$.outputs.split.shards.value');
  });

  it.each([2, 5])('runs process once per shard split produced at run time (%i), join gets the results in item order', async (n) => {
    const s3 = new FakeS3();
    s3s.push(s3);
    // Later shards tend to finish first (not asserted: timing is not guaranteed); join's order must be the items'.
    const run = await runWithOutputs(def, {}, { runId: RUN_ID, s3, simulate: simulate(n), delayMs: (state, k) => (state === 'process' ? 3 * (n - k) : 1) });
    expect(run.error).toBeUndefined();
    const tasks = run.jobs.filter((j) => j.state === 'process');
    expect(tasks).toHaveLength(n);
    const ids = Array.from({ length: n }, (_, i) => `shard-${i}`);
    expect(tasks.map((t) => t.env.FLOWC_ITEM_ID).sort()).toEqual([...ids].sort());
    for (const t of tasks) {
      expect(JSON.parse(t.env.FLOWC_ITEM as string)).toMatchObject({ id: t.env.FLOWC_ITEM_ID });
      expect(t.env.FLOWC_STEPS_SPLIT_MANIFEST).toBe('s3://acme-data/events/latest/manifest.json');
      expect(t.env.FLOWC_OUTPUTS_URI).toMatch(new RegExp(`^${DATASTORE_ROOT}/${RUN_ID}/process/[0-9]+$`));
    }
    // Each task's index in the layout is its item's.
    for (const t of tasks) expect(t.env.FLOWC_OUTPUTS_URI).toBe(`${DATASTORE_ROOT}/${RUN_ID}/process/${ids.indexOf(t.env.FLOWC_ITEM_ID as string)}`);
    const join = run.jobs.filter((j) => j.state === 'join');
    expect(join).toHaveLength(1);
    const argv = join[0]?.command as string[];
    expect(argv.slice(0, 4)).toEqual(['python', '-m', 'sharder.join', '--results']);
    expect(JSON.parse(argv[4] as string)).toEqual(ids.map((id) => `${id}-done`));
    expect(argv.slice(5)).toEqual(['--run', RUN_ID]);
    expect(join[0]?.env.MANIFEST).toBe('s3://acme-data/events/latest/manifest.json');
    expect(join[0]?.env.SUMMARY).toBe(`manifest s3://acme-data/events/latest/manifest.json of run ${RUN_ID}`);
  });

  it('fails the execution naming the step when an output is missing, and runs nothing after it', async () => {
    const s3 = new FakeS3();
    s3s.push(s3);
    const run = await runWithOutputs(def, {}, { runId: RUN_ID, s3, simulate: simulate(3, { skip: 'shards' }) });
    expect(run.error?.name).toBe('flowc.OutputUnreadable');
    expect(run.error?.message).toContain("step 'split': cannot read its output 'shards'");
    expect(run.jobs.map((j) => j.state)).toEqual(['split']);
  });
});
