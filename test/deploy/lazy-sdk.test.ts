import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const HOOK = join(import.meta.dirname, 'sdk-hook/register.mjs');

/** The cloud SDK modules a `flowc` run resolves (the module hook prints them on stderr). */
function sdkModules(args: string[], env: Record<string, string> = {}): string[] {
  const r = spawnSync(process.execPath, ['--import', HOOK, join(ROOT, 'bin/flowc.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });
  return r.stderr.split('\n').filter((l) => l.startsWith('SDK '));
}

describe('cloud SDKs load only when a deploy reaches them', () => {
  it('compile and a GitHub Actions deploy load no cloud SDK; a Step Functions deploy does', () => {
    expect(sdkModules(['compile', 'fixtures/scheduled/flow.yaml', '--target', 'sfn'])).toEqual([]);
    expect(sdkModules(['deploy', 'fixtures/linear/flow.yaml', '--target', 'gha', '--dry-run'])).toEqual([]);
    // The check can fail: the same hook sees the SDK when a deploy needs it.
    expect(sdkModules(['deploy', 'fixtures/linear/flow.yaml', '--target', 'sfn', '--dry-run'], { AWS_REGION: 'eu-west-1' }).some((l) => l.includes('@aws-sdk/client-sfn'))).toBe(true);
  });
});
