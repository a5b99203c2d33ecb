import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToIR } from '../../../src/pipeline/compile.js';
import { GCP_OPTIONS_SCHEMA, readOptions } from '../../../src/targets/gcp-workflows/options.js';
import { findTarget } from '../../../src/targets/index.js';
import { makeIR, step } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'flowc-gcp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function flowWith(options: string): ReturnType<typeof compileToIR> {
  writeFileSync(
    join(dir, 'flow.yaml'),
    `flowc: 1\nname: opts\ntargets:\n  gcp-workflows: ${options}\nsteps:\n  a:\n    image: alpine:3.20\n    command: [echo, hi]\n`,
  );
  return compileToIR({ flowPath: 'flow.yaml', cwd: dir, configs: [], sets: [], env: {} } as never);
}

describe('gcp-workflows options', () => {
  it('is registered under its id', () => {
    expect(findTarget('gcp-workflows')?.files).toEqual(['<name>.gcp.yaml', '<name>.scheduler.json']);
  });

  it('accepts the documented options', () => {
    const validate = new Ajv({ strict: false }).compile(GCP_OPTIONS_SCHEMA);
    expect(validate({ project: 'my-project', region: 'us-central1', serviceAccount: 'a@b.iam.gserviceaccount.com', network: 'default', machineType: 'n1-standard-4', gpuType: 'nvidia-l4', defaultTimeoutSeconds: 3600 })).toBe(true);
  });

  it('FLOWC601: rejects an unknown option and a malformed project, through the pipeline check', () => {
    const r = flowWith('{ project: "Bad_Project", regoin: us-central1 }');
    const msgs = r.diagnostics.filter((d) => d.code === 'FLOWC601').map((d) => d.message);
    expect(msgs.some((m) => m.includes("unknown option 'regoin'"))).toBe(true);
    expect(msgs.some((m) => m.includes('targets.gcp-workflows.project'))).toBe(true);
  });

  it('applies defaults for options left out', () => {
    const o = readOptions(makeIR([step('a')], { targets: {} }));
    // Options without a default stay absent (the schema's defaults are the only ones, src/targets/options.ts).
    expect(o).toStrictEqual({ gpuType: 'nvidia-tesla-t4', maxDynamicItems: 1000, defaultTimeoutSeconds: 604800 });
  });
});
