import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures.js';
import { runCli } from '../cli/run-cli.js';

/**
 * A user's template from a temp folder is a target like a built-in one: `--target path.hbs`
 * compiles through the whole pipeline, writes `<name><suffix>`, and a broken one fails with the
 * template's file:line:col and a stable code, never a stack trace or exit 70.
 */
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'flowc-tpl-'));
  cpSync(join(FIXTURES, 'parameters'), join(work, 'flow'), { recursive: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const STEPS_MD = `---
name: steps-md
description: the steps of a flow as a Markdown list
suffix: .steps.md
render:
  param: "<{name}>"
  run: "<run id>"
---
# {{flow.name}}
{{#eachStep as |step|}}
- {{step.id}}{{#if step.needs}} after {{join step.needs ", "}}{{/if}}: \`{{#if (eq step.exec.kind "run")}}{{render step.exec.script step=step}}{{else}}{{#each step.exec.argv}}{{#unless @first}} {{/unless}}{{render this step=step}}{{/each}}{{/if}}\`
{{/eachStep}}
`;

function template(name: string, text: string): string {
  writeFileSync(join(work, name), text);
  return name;
}

describe('a user template', () => {
  it('compiles a flow from a temp folder and writes <name><suffix>', async () => {
    const t = template('steps.md.hbs', STEPS_MD);
    const r = await runCli(['compile', 'flow/flow.yaml', '--target', t, '--out', 'out'], { cwd: work });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(work, 'out/backfill.steps.md'), 'utf8')).toBe(
      [
        '# backfill',
        '- plan: `backfill plan --from "<date>" --days "<days>" --mode "<mode>"`',
        '- execute after plan: `backfill run --from <date> --alpha <alpha> --dry-run <dry_run>`',
        '',
      ].join('\n'),
    );
  });

  it('prints to stdout without --out, like a built-in target', async () => {
    const t = template('steps.md.hbs', STEPS_MD);
    const r = await runCli(['compile', 'flow/flow.yaml', '--target', t], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# backfill\n- plan: /);
  });

  it('fails with FLOWC802 at the template line and column of a field the context lacks', async () => {
    const t = template('bad.md.hbs', '---\nname: bad\nsuffix: .bad.md\n---\n# {{flow.name}}\n\n  {{flow.owner}}\n');
    const r = await runCli(['compile', 'flow/flow.yaml', '--target', t], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.md.hbs:7:');
    expect(r.stderr).toMatch(/FLOWC802.*"owner" not defined/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails with FLOWC801 at the line and column of a syntax error', async () => {
    const t = template('syntax.md.hbs', '---\nname: syntax\nsuffix: .s.md\n---\nok\n{{#each steps}}\n  {{id}}\n{{/if}}\n');
    const r = await runCli(['compile', 'flow/flow.yaml', '--target', t], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('syntax.md.hbs:6:');
    expect(r.stderr).toMatch(/FLOWC801.*each doesn't match if/);
  });

  it('fails with FLOWC803 when the template file does not exist', async () => {
    const r = await runCli(['compile', 'flow/flow.yaml', '--target', 'missing.hbs'], { cwd: work });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/missing\.hbs:1:1.*FLOWC803|FLOWC803[\s\S]*missing\.hbs/);
  });

  it('is listed by flowc targets beside the built-in ones, which show their source', async () => {
    const r = await runCli(['targets'], { cwd: work });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^airflow\s+<name>\.airflow\.py\s+template targets\/airflow\.py\.hbs\s+Apache Airflow 2/m);
    expect(r.stdout).toMatch(/^argo\s+<name>\.argo\.yaml\s+built in\s/m);
  });
});
