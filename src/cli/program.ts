import { Command, CommanderError, Option } from 'commander';
import { visibleText } from '../source/visible-text.js';
import { FLOWC_VERSION } from '../version.js';
import { type CliIO, EXIT, UsageError } from './io.js';
import { collect } from './options.js';

/**
 * Builds the commander program. Thin by design: each command's module is imported only when
 * that command runs, so `flowc targets` never loads the compiler and `compile` never loads
 * deploy-time SDKs. Returns the exit code through `run`.
 */
export function createProgram(io: CliIO): { run: (argv: string[]) => Promise<number> } {
  let exitCode: number = EXIT.ok;
  const program = new Command('flowc')
    .description('compile declarative pipelines and cascading configs to Argo, Step Functions, GitHub Actions and Google Cloud Workflows')
    .version(FLOWC_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run flowc --help for usage)');

  const cascade = (cmd: Command) =>
    cmd
      .option('--config <name=file>', 'add a config file to a declared config (repeatable, later wins)', collect, [])
      .option('--set <override>', 'Hydra-style override: k=v, +k=v, ++k=v, ~k (repeatable)', collect, [])
      .option('--allow-outside', 'read config files, extends and schemas from outside the project root')
      .addOption(new Option('--diagnostics <format>', 'how problems are printed').choices(['text', 'json']).default('text'));

  cascade(
    program
      .command('compile')
      .description('compile a flow to one or more targets')
      .argument('<flow>', 'the flow file (*.flow.yaml)')
      .requiredOption('-t, --target <targets>', 'comma-separated targets (see flowc targets)')
      .option('--out <dir>', 'write every artifact and the config lockfile into this folder')
      .option('-o, --output <file>', 'write the primary artifact of a single target to this file')
      .option('--check', 'compile in memory and compare with the files in --out; exit 1 when stale')
      .option('--sweep <key=values>', 'compile one variant per combination: app.lr=0.1,0.01 or app.epochs=range(1,10,2) (repeatable; needs --out)', collect, [])
      .option('--prune', 'with --sweep: remove files an earlier sweep wrote that no variant produces now')
      .option('--no-cache', 'with --sweep: compile every variant, ignoring the build cache')
      .option('-j, --jobs <n>', 'with --sweep: worker threads (default: one per core)'),
  ).action(async (flow: string, opts) => {
    const { runCompile } = await import('./commands/compile.js');
    exitCode = await runCompile(io, flow, opts);
  });

  cascade(
    program
      .command('validate')
      .description('parse, resolve and check a flow; write nothing')
      .argument('<flow>', 'the flow file')
      .option('-t, --target <targets>', "also run these targets' checks (comma-separated, or all)"),
  ).action(async (flow: string, opts) => {
    const { runValidate } = await import('./commands/validate.js');
    exitCode = await runValidate(io, flow, opts);
  });

  cascade(
    program
      .command('config')
      .description('print the resolved config of a flow')
      .argument('<flow>', 'the flow file')
      .option('--explain', 'show where every value came from and what it overrode')
      .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml')),
  ).action(async (flow: string, opts) => {
    const { runConfig } = await import('./commands/config.js');
    exitCode = await runConfig(io, flow, opts);
  });

  program
    .command('build')
    .description('compile every binding of a project file (flowc.yaml) for its targets')
    .option('-p, --project <file>', 'the project file', 'flowc.yaml')
    .option('--only <glob>', 'build only the bindings whose names match (repeatable; * and ? wildcards)', collect, [])
    .option('-t, --target <targets>', 'comma-separated targets, instead of the project file\'s')
    .option('--out <dir>', 'the output folder, instead of the project file\'s out:')
    .option('--check', 'compile in memory and compare with the files on disk; exit 1 when anything is stale, missing or left over')
    .option('--prune', 'remove files an earlier build wrote that no binding produces now')
    .option('--no-cache', 'compile every binding, ignoring the build cache')
    .option('-j, --jobs <n>', 'worker threads (default: one per core)')
    .option('--allow-outside', 'read config files, extends and schemas from outside the project root')
    .addOption(new Option('--diagnostics <format>', 'how problems are printed').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      const { runBuild } = await import('./commands/build.js');
      exitCode = await runBuild(io, opts);
    });

  program
    .command('targets')
    .description('list the targets and the files each writes')
    .action(async () => {
      const { runTargets } = await import('./commands/targets.js');
      exitCode = runTargets(io);
    });

  return {
    run: async (argv: string[]) => {
      try {
        await program.parseAsync(argv, { from: 'user' });
        return exitCode;
      } catch (e) {
        if (e instanceof CommanderError) {
          // --help and --version exit 0; everything else commander rejects is wrong usage.
          return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
        }
        if (e instanceof UsageError) {
          // The message quotes arguments as typed: shown escaped, like every diagnostic.
          io.stderr(`flowc: error ${e.code}: ${visibleText(e.message)}\n`);
          return EXIT.usage;
        }
        throw e;
      }
    },
  };
}
