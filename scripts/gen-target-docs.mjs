#!/usr/bin/env node
// Regenerates the limits table of each docs/targets/<t>.md from the target registry
// (src/targets/index.ts, via dist/). Run `npm run build && node scripts/gen-target-docs.mjs`;
// test/targets/registry.test.ts keeps them in step, and also checks the `targets` block of the
// hand-formatted schemas/flow.schema.json against the registry (it prints the block it expects).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { REGISTERED_TARGETS: TARGETS } = await import(join(root, 'dist/targets/index.js'));
const gen = await import(join(root, 'dist/targets/registry-docs.js'));

for (const t of TARGETS) {
  if (!t.limits) continue;
  const doc = join(root, 'docs/targets', `${t.id}.md`);
  const text = gen.replaceBetween(readFileSync(doc, 'utf8'), gen.LIMITS_BEGIN, gen.LIMITS_END, gen.limitsMarkdown(t.limits));
  if (text === undefined) throw new Error(`docs/targets/${t.id}.md lacks the limits markers`);
  writeFileSync(doc, text);
}
console.log('wrote the limits tables of docs/targets/*.md');
