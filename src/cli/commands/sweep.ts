import { dirname, join, resolve } from 'node:path';
import { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { parseFlow } from '../../flow/parse-flow.js';
import { relativeTo } from '../../pipeline/paths.js';
import { BuildCache } from '../../project/cache.js';
import { checkDeployedNames } from '../../project/deployed-names.js';
import { compilerFingerprint } from '../../project/fingerprint.js';
import { SWEEP_MANIFEST } from '../../project/manifest.js';
import * as sweep from '../../project/sweep.js';
import type { SweepAxis } from '../../project/sweep.js';
import type { CompileUnit } from '../../project/unit.js';
import { SourceRegistry } from '../../source/files.js';
import { TARGET_ALIASES } from '../../targets/index.js';
import type { Json } from '../../source/tree.js';
import { type CliIO, EXIT } from '../io.js';
import { parseConfigArgs } from '../options.js';
import { reportDiagnostics } from '../report.js';
import * as build from './build.js';
import type { CompileOptions } from './compile.js';

/**
 * `flowc compile --sweep`: one variant per combination of the sweep values (Hydra's multirun
 * grammar), each compiled like a binding into `<out>/<variant>/`, plus `sweep.manifest.json`
 * (docs/project.md, "Sweeps"). Shares the cache, worker pool, --check and --prune of `flowc build`.
 */
export async function runSweep(io: CliIO, flow: string, opts: CompileOptions & { out: string; sweep: string[]; targets: string[] }): Promise<number> {
  const jobs = build.parseJobs(opts.jobs);
  const parsedConfigs = parseConfigArgs(opts.config);
  const configs = parsedConfigs.configs.map((c) => ({ name: c.name, file: resolve(io.cwd, c.file) }));
  const sources = new SourceRegistry();
  const diagnostics = new DiagnosticBag();
  diagnostics.addAll(parsedConfigs.diagnostics);
  const flowFile = resolve(io.cwd, flow);
  const written = parseFlow({ file: flowFile, sources, diagnostics, targetAliases: TARGET_ALIASES });
  const axes = opts.sweep.map((arg) => sweep.parseSweep(arg, diagnostics));
  const variants = diagnostics.hasErrors() ? undefined : sweep.expandSweeps(axes as SweepAxis[], diagnostics);
  if (!written || !variants || diagnostics.hasErrors()) {
    reportDiagnostics({ io, diagnostics: diagnostics.items, sources, format: opts.diagnostics });
    return EXIT.inputErrors;
  }
  const flowName = opts.name ?? String(written.name.value);
  const outDir = resolve(io.cwd, opts.out);
  const units: CompileUnit[] = [];
  const meta = new Map<string, Record<string, Json>>();
  const byName = new Map<string, string[]>();
  for (const overrides of variants) {
    const name = sweep.variantName(flowName, overrides);
    const other = byName.get(name);
    if (other) {
      diagnostics.report('FLOWC724', `variants ${other.join(' ')} and ${overrides.join(' ')} are both named '${name}'`, undefined, ['a value is listed twice, or two values hash alike: list each value once']);
      continue;
    }
    byName.set(name, overrides);
    units.push({ name, flowPath: flowFile, bindingFiles: [], configs, sets: [...opts.set, ...overrides], targets: opts.targets, cwd: io.cwd, allowOutside: opts.allowOutside === true });
    meta.set(name, { overrides });
  }
  checkDeployedNames({ units, noun: 'variant', diagnostics });
  if (diagnostics.hasErrors()) {
    reportDiagnostics({ io, diagnostics: diagnostics.items, sources, format: opts.diagnostics });
    return EXIT.inputErrors;
  }
  const cacheDir = io.env.FLOWC_CACHE_DIR ? resolve(io.cwd, io.env.FLOWC_CACHE_DIR) : join(dirname(flowFile), '.flowc-cache');
  return build.emitUnits(io, {
    units,
    meta,
    keep: [],
    kind: 'sweep',
    header: {
      // Relative to the flow's folder, as lockfiles write paths: the manifest reads the same on every machine.
      flow: relativeTo(dirname(flowFile), flowFile),
      configs: configs.map((c) => ({ name: c.name, file: relativeTo(dirname(flowFile), c.file) })),
      set: opts.set,
      sweep: (axes as SweepAxis[]).map((a) => ({ key: `${a.prefix}${a.key}`, values: a.values })),
      targets: opts.targets,
    },
    manifestName: SWEEP_MANIFEST,
    outDir,
    check: opts.check === true,
    diff: opts.diff === true,
    prune: opts.prune === true,
    cache: opts.cache === false ? undefined : new BuildCache(cacheDir, compilerFingerprint()),
    jobs,
    format: opts.diagnostics,
  });
}
