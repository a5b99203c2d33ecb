import { resolve } from 'node:path';
import { ensureDir, joinShown, planInit } from '../../init/init.js';
import { starterFiles, type Template } from '../../init/starters.js';
import { SourceRegistry } from '../../source/files.js';
import { FLOWC_VERSION } from '../../version.js';
import type { CliIO } from '../io.js';
import { EXIT } from '../io.js';
import { reportDiagnostics } from '../report.js';
import { writeFilesTransactionally } from '../write-files.js';
import { writeOutcomeReport } from '../write-report.js';

export interface InitOptions {
  template: Template;
  force?: boolean;
  diagnostics: 'text' | 'json';
}

/** `flowc init [dir]`: a starter project that compiles for every target as written. */
export async function runInit(io: CliIO, dirArg: string | undefined, opts: InitOptions): Promise<number> {
  const shown = dirArg ?? '.';
  const dir = resolve(io.cwd, shown);
  const files = starterFiles(opts.template, { flowcVersion: FLOWC_VERSION });
  const plan = planInit({ dir, shown, files, force: opts.force === true });
  const report = (diagnostics: Parameters<typeof reportDiagnostics>[0]['diagnostics']) => reportDiagnostics({ io, diagnostics, sources: new SourceRegistry(), format: opts.diagnostics });
  if (!plan.ok) {
    report(plan.diagnostics);
    return EXIT.inputErrors;
  }
  if (plan.write.length > 0) {
    ensureDir(dir);
    const outcome = await writeFilesTransactionally({ root: dir, files: plan.write });
    const written = writeOutcomeReport(outcome, (rel) => joinShown(shown, rel));
    if (written.exit !== EXIT.ok) {
      report(written.diagnostics);
      return written.exit;
    }
  }
  for (const f of plan.write) io.stdout(`created  ${joinShown(shown, f.rel)}\n`);
  for (const rel of plan.kept) io.stdout(`kept     ${joinShown(shown, rel)} (exists)\n`);
  const cd = shown === '.' ? '' : `cd ${shown} && `;
  io.stdout(
    [
      '',
      `The ${opts.template} starter is ready. Next:`,
      `  ${cd}flowc run ${opts.template}.flow.yaml --config app=config/dev.yaml   # run it on this machine`,
      '  flowc build                     # compile every binding for every target into build/',
      '  commit everything, build/ too: CI (.github/workflows/flowc.yml) runs flowc build --check',
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
