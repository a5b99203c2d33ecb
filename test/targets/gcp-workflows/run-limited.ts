import { VirtualClock } from './interpreter/clock.js';
import { Interpreter } from './interpreter/engine.js';
import { fakeBatch, type FakeBatchOptions } from './interpreter/fake-batch.js';
import { fakeStorage } from './interpreter/fake-storage.js';
import type { Execution } from './helpers.js';

export interface Run extends Execution {
  sleeps: number;
}

/**
 * Runs a definition with Workflows' limit of 20 branches running at once in one execution, queued
 * ones started in an order `rand` picks (Workflows promises none); `maxSteps` lowers the
 * execution's step limit. The DAG schedules' tests (dag-scheduler, dag-pool) share it.
 */
export async function runLimited(yaml: string, rand: () => number, fake: Omit<FakeBatchOptions, 'clock' | 'storage'> = {}, maxSteps?: number): Promise<Run> {
  const clock = new VirtualClock();
  const storage = fakeStorage();
  const { connector, remove, jobs, submissions, deletions } = fakeBatch({ clock, storage: storage.objects, ...fake });
  const interp = Interpreter.fromYaml(yaml, {
    clock,
    connectors: { 'googleapis.batch.v1.projects.locations.jobs.create': connector, 'googleapis.batch.v1.projects.locations.jobs.delete': remove },
    env: { GOOGLE_CLOUD_WORKFLOW_EXECUTION_ID: '0b5c2d7e-1a2b-4c3d-8e9f-0123456789ab', GOOGLE_CLOUD_PROJECT_ID: 'p', GOOGLE_CLOUD_LOCATION: 'us-central1' },
    concurrentBranches: 20,
    pickQueued: (k) => Math.floor(rand() * k),
    ...(maxSteps ? { maxSteps } : {}),
  });
  const base = { jobs, submissions, deletions, clock, objects: storage.objects, reads: storage.reads };
  try {
    const result = await interp.run(null);
    return { ...base, result, error: null, steps: interp.stepCount, sleeps: interp.sleepCount };
  } catch (error) {
    return { ...base, result: null, error, steps: interp.stepCount, sleeps: interp.sleepCount };
  }
}
