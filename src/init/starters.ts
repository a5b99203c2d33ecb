import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const TEMPLATES = ['ml-training', 'etl'] as const;
export type Template = (typeof TEMPLATES)[number];

/** `starters/` at the package root: `../../starters` from src/init and from dist/init alike. */
const STARTERS = fileURLToPath(new URL('../../starters/', import.meta.url));

/**
 * npm leaves every `.gitignore` out of a published package, so the starters keep it as
 * `gitignore` and init writes it under its real name.
 */
const RENAMED: Record<string, string> = { gitignore: '.gitignore' };

export interface StarterFile {
  /** `/`-separated, relative to the new project's folder. */
  rel: string;
  contents: string;
}

/**
 * A template's files with its placeholders filled: `{{name}}` (the flow's name), `{{template}}`,
 * `{{flow}}` (the flow file) and `{{flowc_version}}` (the CI check pins the flowc that made it).
 */
export function starterFiles(template: Template, vars: { flowcVersion: string }): StarterFile[] {
  const root = join(STARTERS, template);
  const values: Record<string, string> = { name: template, template, flow: `${template}.flow.yaml`, flowc_version: vars.flowcVersion };
  return listFiles(root, '')
    .sort()
    .map((rel) => {
      const text = readFileSync(join(root, rel), 'utf8').replace(/\{\{(\w+)\}\}/g, (m, key: string) => values[key] ?? m);
      const parts = rel.split('/');
      const last = parts.pop() as string;
      return { rel: [...parts, RENAMED[last] ?? last].join('/'), contents: text };
    });
}

function listFiles(root: string, prefix: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) out.push(...listFiles(root, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out;
}
