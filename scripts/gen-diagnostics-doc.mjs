#!/usr/bin/env node
// Regenerates the code table in docs/diagnostics.md from src/diagnostics/codes.ts (via dist/).
// Run `npm run build && node scripts/gen-diagnostics-doc.mjs`; a test keeps the two in step.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { CODES } = await import(join(root, 'dist/diagnostics/codes.js'));
const doc = join(root, 'docs/diagnostics.md');
const text = readFileSync(doc, 'utf8');
const begin = '<!-- codes:begin -->';
const end = '<!-- codes:end -->';
const rows = Object.entries(CODES).map(([code, info]) => `| ${code} | ${info.severity} | ${info.title} |`);
const table = ['| code | severity | meaning |', '| --- | --- | --- |', ...rows].join('\n');
const start = text.indexOf(begin);
const stop = text.indexOf(end);
if (start < 0 || stop < 0) throw new Error('docs/diagnostics.md lacks the codes markers');
writeFileSync(doc, `${text.slice(0, start + begin.length)}\n${table}\n${text.slice(stop)}`);
console.log(`wrote ${rows.length} codes`);
