import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTarget, REGISTERED_TARGETS as TARGETS, TARGET_ALIASES } from '../../src/targets/index.js';
import { LIMITS_BEGIN, LIMITS_END, limitsMarkdown, targetsSchemaBlock } from '../../src/targets/registry-docs.js';

const root = resolve(import.meta.dirname, '../..');

/** The registry is the only list of targets: everything else that names them must agree with it. */
describe('the target registry', () => {
  it('is what the flow schema\'s targets block lists (the schema is JSON and cannot import it)', () => {
    const schema = JSON.parse(readFileSync(join(root, 'schemas/flow.schema.json'), 'utf8')) as { definitions: Record<string, unknown> };
    const expected = targetsSchemaBlock(TARGETS);
    expect(schema.definitions.targets, `schemas/flow.schema.json#/definitions/targets should be:\n${JSON.stringify(expected, null, 2)}`).toEqual(expected);
    const perStep = targetsSchemaBlock(TARGETS, 'step');
    expect(schema.definitions.stepTargets, `schemas/flow.schema.json#/definitions/stepTargets should be:\n${JSON.stringify(perStep, null, 2)}`).toEqual(perStep);
  });

  it('resolves every alias, and only registered ones', () => {
    expect(TARGET_ALIASES).toEqual({ sfn: 'stepfunctions', gha: 'github-actions' });
    for (const t of TARGETS) {
      expect(findTarget(t.id)).toBe(t);
      for (const a of t.aliases) expect(findTarget(a)).toBe(t);
    }
    expect(findTarget('gcp')).toBeUndefined();
  });

  it('has unique ids and aliases', () => {
    const names = TARGETS.flatMap((t) => [t.id, ...t.aliases]);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('limits tables', () => {
  const engines = TARGETS.filter((t) => t.limits !== null);

  it('exist for every engine target, each with the longest retry wait', () => {
    expect(engines.map((t) => t.id).sort()).toEqual(['airflow', 'argo', 'gcp-workflows', 'github-actions', 'stepfunctions']);
    for (const t of engines) expect(t.limits?.retryDelay.unit, t.id).toBe('seconds');
  });

  it('give every limit a positive value and an https link to the engine\'s docs', () => {
    for (const t of engines) {
      for (const [key, l] of Object.entries(t.limits ?? {})) {
        expect(l.value, `${t.id}.${key}`).toBeGreaterThan(0);
        expect(l.doc, `${t.id}.${key}`).toMatch(/^https:\/\/\S+$/);
        expect(l.title.length, `${t.id}.${key}`).toBeGreaterThan(0);
      }
    }
  });

  it.each(['argo', 'gcp-workflows', 'github-actions', 'stepfunctions', 'airflow'])('are rendered in docs/targets/%s.md (node scripts/gen-target-docs.mjs)', (id) => {
    const target = findTarget(id);
    const text = readFileSync(join(root, 'docs/targets', `${id}.md`), 'utf8');
    const start = text.indexOf(LIMITS_BEGIN);
    const stop = text.indexOf(LIMITS_END);
    expect(start, 'limits markers').toBeGreaterThanOrEqual(0);
    expect(stop).toBeGreaterThan(start);
    expect(text.slice(start + LIMITS_BEGIN.length, stop).trim()).toBe(limitsMarkdown(target?.limits as never));
  });
});
