#!/usr/bin/env node
// Deploys 100 variants of one flow from a script: flowc's equivalent of Metaflow's Deployer.
// Each variant's config is resolved now, at deploy time, and travels with what is deployed
// (its hash is in the version description, the tags and the labels).
//
//   node examples/deploy-variants.mjs                        # dry run for GitHub Actions: plans, writes nothing
//   node examples/deploy-variants.mjs --apply --target sfn --role-arn arn:aws:iam::123456789012:role/flow
//   node examples/deploy-variants.mjs --target gcp-workflows --project acme --location europe-west4
//
// In a project of your own, `import { compile, deploy } from 'flowc'` is the same API.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compile, deploy, formatDiagnostics } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    apply: { type: 'boolean', default: false },
    target: { type: 'string', default: 'github-actions' },
    'repo-dir': { type: 'string', default: '.' },
    flow: { type: 'string', default: fileURLToPath(new URL('../fixtures/projects/content-model/content-model.flow.yaml', import.meta.url)) },
    variants: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '8' },
    'role-arn': { type: 'string' },
    region: { type: 'string' },
    project: { type: 'string' },
    location: { type: 'string' },
  },
});
const count = Number(values.variants);
const cpus = [2, 4, 8, 16];

// One variant per (cpu, epochs) pair, each under its own deployed name.
const variants = Array.from({ length: count }, (_, i) => {
  const cpu = cpus[i % cpus.length];
  const epochs = 10 + Math.floor(i / cpus.length);
  return { name: `content-c${cpu}-e${epochs}`, set: [`app.train.cpu=${cpu}`, `app.train.epochs=${epochs}`] };
});

// Compile every variant first: nothing is deployed unless all of them compile.
const compiled = await Promise.all(variants.map((v) => compile({ flow: values.flow, targets: [values.target], set: v.set, name: v.name })));
const broken = compiled.filter((c) => !c.ok);
if (broken.length > 0) {
  process.stderr.write(formatDiagnostics(broken[0]));
  process.stderr.write(`${broken.length} of ${count} variants do not compile; nothing deployed\n`);
  process.exit(1);
}

const settings = {
  target: values.target,
  dryRun: !values.apply,
  repoDir: values['repo-dir'],
  ...(values['role-arn'] ? { roleArn: values['role-arn'] } : {}),
  ...(values.region ? { region: values.region } : {}),
  ...(values.project ? { project: values.project } : {}),
  ...(values.location ? { location: values.location } : {}),
};
const results = [];
let next = 0;
async function worker() {
  while (next < variants.length) {
    const v = variants[next++];
    const r = await deploy({ flow: values.flow, set: v.set, name: v.name, ...settings });
    results.push(r);
    const what = r.changes.map((c) => c.action).join(', ') || 'nothing';
    process.stdout.write(`${r.ok ? 'ok    ' : 'FAILED'} ${v.name}  ${r.configHash?.slice(0, 12) ?? ''}  ${what}\n`);
    if (!r.ok) process.stderr.write(formatDiagnostics(r));
  }
}
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
const failed = results.filter((r) => !r.ok).length;
process.stdout.write(`${values.apply ? 'deployed' : 'planned (dry run)'} ${results.length - failed} of ${count} variants to ${values.target}${failed ? `; ${failed} failed` : ''}\n`);
process.exitCode = failed > 0 ? 1 : 0;
