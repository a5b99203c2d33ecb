import { describe, expect, it } from 'vitest';
import { readArgoOptions } from '../../src/targets/argo/options.js';
import { readOptions as readGcp } from '../../src/targets/gcp-workflows/options.js';
import { readOptions as readGha } from '../../src/targets/github-actions/options.js';
import { readOptions as readSfn } from '../../src/targets/stepfunctions/options.js';
import { makeIR, step } from '../helpers/ir-builders.js';

/** Option readers fill in each schema's defaults (src/targets/options.ts) and never change the IR. */
describe('target option readers', () => {
  it('argo: concurrencyPolicy defaults to Forbid, startingDeadlineSeconds to an hour; written options come through', () => {
    expect(readArgoOptions(undefined)).toEqual({ concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600 });
    expect(readArgoOptions({ namespace: 'ml', concurrencyPolicy: 'Allow', labels: { team: 'a' }, startingDeadlineSeconds: 0 })).toEqual({
      namespace: 'ml',
      concurrencyPolicy: 'Allow',
      labels: { team: 'a' },
      startingDeadlineSeconds: 0,
    });
  });

  it('gcp-workflows: gpuType, maxDynamicItems and defaultTimeoutSeconds have defaults, the rest stays absent', () => {
    expect(readGcp(makeIR([step('a')]))).toEqual({ gpuType: 'nvidia-tesla-t4', maxDynamicItems: 1000, defaultTimeoutSeconds: 604800 });
  });

  it('github-actions: runner, container and permissions defaults', () => {
    expect(readGha(makeIR([step('a')]))).toEqual({ runsOn: 'ubuntu-latest', container: true, gpuContainerOptions: '--gpus all', permissions: {} });
    const o = readGha(makeIR([step('a')], { targets: { 'github-actions': { concurrency: { group: 'g' }, permissions: 'read-all' } } }));
    expect(o.concurrency).toEqual({ group: 'g', cancelInProgress: false });
    expect(o.permissions).toBe('read-all');
  });

  it('stepfunctions: schema defaults, then the flow-name defaults; image maps read own keys only', () => {
    const o = readSfn(makeIR([step('a')], { targets: { stepfunctions: { jobDefinitions: { 'img:1': 'jd-1' } } } }));
    expect(o.compute).toBe('batch');
    expect(o.jobQueueFor(step('a'))).toBe('demo');
    expect(o.jobDefinitionFor(step('a', { image: 'img:1' }))).toBe('jd-1');
    expect(o.jobDefinitionFor(step('a', { image: 'constructor' }))).toBe('demo');
    expect(o.ecs).toMatchObject({ cluster: null, containerName: 'main', launchType: 'FARGATE', subnets: [], securityGroups: [], assignPublicIp: false });
    expect(o.schedule).toEqual({ stateMachineArn: null, roleArn: null, groupName: null });
  });

  it('leave the IR\'s options as lowered', () => {
    const ir = makeIR([step('a')], { targets: { 'github-actions': {}, stepfunctions: {} } });
    readGha(ir);
    readSfn(ir);
    expect(ir.targets).toEqual({ 'github-actions': {}, stepfunctions: {} });
  });
});
