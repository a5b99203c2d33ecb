import { Command, CommanderError, Help, Option } from 'commander';
import { FLOWC_VERSION } from '../version.js';
import { type CliIO, EXIT, UsageError } from './io.js';
import { collect } from './options.js';
import { reportUsage } from './report.js';
import { diagnosticsToJson } from '../diagnostics/print.js';
import { commanderDiagnostic, jsonOnStdout, usageDiagnostic, wantsJson } from './usage-errors.js';

const EXIT_CODES = 'Exit codes: 0 success; 1 the input has errors (or --check found stale files); 2 wrong usage; 70 a bug in flowc.';

/** `--help` text after the options: examples, then the exit codes. */
function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n\n${EXIT_CODES}\n`;
}

/**
 * Builds the commander program. Thin by design: each command's module is imported only when
 * that command runs, so `flowc targets` never loads the compiler and `compile` never loads
 * deploy-time SDKs. Returns the exit code through `run`.
 */
export function createProgram(base: CliIO): { run: (argv: string[]) => Promise<number> } {
  let exitCode: number = EXIT.ok;
  // The commands see the global options (--quiet, --no-progress) through their io.
  const io: CliIO = { ...base };
  const program = new Command('flowc')
    .description('compile declarative pipelines and cascading configs to Argo, Step Functions, GitHub Actions and Google Cloud Workflows')
    .version(FLOWC_VERSION, '-V, --version')
    .option('-q, --quiet', 'print errors only, no warnings')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .exitOverride()
    // Each command's --help lists --quiet and --no-progress too: they work after the command name.
    // A repeatable option's empty default list says nothing: "(default: [])" is left out.
    .configureHelp({ showGlobalOptions: true, optionDescription: (option) => new Help().optionDescription(option).replace(/ \(default: \[\]\)$/, '') })
    // Commander's error text is replaced by a coded diagnostic in run() (text or JSON).
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} })
    .addHelpText('after', examples('flowc compile flow.yaml --target argo', 'flowc validate flow.yaml', 'flowc build --check', 'flowc compile --help'))
    .hook('preAction', () => {
      const global = program.opts<{ quiet?: boolean; progress?: boolean }>();
      io.quiet = global.quiet === true;
      io.progress = global.progress !== false;
    });

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
      .option('-t, --target <targets>', 'comma-separated targets, or all (see flowc targets); required')
      .option('--out <dir>', 'write every artifact and the config lockfile into this folder')
      .option('-o, --output <file>', 'write the primary artifact of a single target to this file')
      .option('--check', 'compile in memory and compare with the files in --out (or -o FILE); exit 1 when stale')
      .option('--diff', 'with --check and --sweep: print the diff of each stale file also when stdout is not a terminal')
      .option('--name <name>', "compile under this flow name instead of the flow's name: (deployed name and file names)")
      .option('--sweep <key=values>', 'compile one variant per combination: app.lr=0.1,0.01 or app.epochs=range(1,10,2) (repeatable; needs --out)', collect, [])
      .option('--prune', 'with --out: remove files an earlier compile wrote that the flow no longer produces')
      .option('--no-cache', 'with --sweep: compile every variant, ignoring the build cache')
      .option('-j, --jobs <n>', 'with --sweep: threads compiling at once, the main one included (default: one per core)')
      .addHelpText(
        'after',
        examples(
          'flowc compile flow.yaml --target argo                       # the WorkflowTemplate on stdout',
          'flowc compile flow.yaml --target all --out build/           # every target, plus the config lockfile',
          'flowc compile flow.yaml -t sfn --config app=config/prod.toml --set app.train.cpu=8 --out build/',
          'flowc compile flow.yaml -t argo,gha --out build/ --check    # CI: exit 1 when build/ is stale',
          "flowc compile flow.yaml -t ir --out sweep/ --sweep app.lr=0.1,0.01",
        ),
      ),
  ).action(async (flow: string, opts) => {
    const { runCompile } = await import('./commands/compile.js');
    exitCode = await runCompile(io, flow, opts);
  });

  cascade(
    program
      .command('validate')
      .description("parse, resolve and check a flow with every target's checks; write nothing")
      .argument('<flow>', 'the flow file')
      .option('-t, --target <targets>', "run only these targets' checks (comma-separated; default: all)")
      .addHelpText(
        'after',
        examples(
          "flowc validate flow.yaml                                  # passes exactly when compile --target all would",
          'flowc validate flow.yaml --config app=config/prod.toml --diagnostics json',
          "flowc validate flow.yaml --target ir                      # the flow and its configs only, no target's checks",
        ),
      ),
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
      .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
      .addHelpText('after', examples('flowc config flow.yaml --format json', 'flowc config flow.yaml --config app=config/prod.toml --set app.train.cpu=8 --explain')),
  ).action(async (flow: string, opts) => {
    const { runConfig } = await import('./commands/config.js');
    exitCode = await runConfig(io, flow, opts);
  });

  program
    .command('build')
    .description('compile every binding of a project file (flowc.yaml) for its targets')
    .option('-p, --project <file>', 'the project file, or a folder holding flowc.yaml (default: the nearest flowc.yaml in this folder or a parent, up to the repository root)')
    .option('--only <glob>', 'build only the bindings whose names match (repeatable; * and ? wildcards)', collect, [])
    .option('-t, --target <targets>', 'comma-separated targets, instead of the project file\'s')
    .option('--out <dir>', 'the output folder, instead of the project file\'s out:')
    .option('--check', 'compile in memory and compare with the files on disk; exit 1 when anything is stale, missing or left over')
    .option('--diff', 'with --check: after the summary, print the diff of each stale file (the default on a terminal)')
    .option('--prune', 'remove files an earlier build wrote that no binding produces now')
    .option('--no-cache', 'compile every binding, ignoring the build cache')
    .option('-j, --jobs <n>', 'threads compiling at once: the main one and N-1 workers (default: one per core)')
    .option('--allow-outside', 'read config files, extends and schemas from outside the project root')
    .addOption(new Option('--diagnostics <format>', 'how problems are printed').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      examples(
        'flowc build                                # every binding of ./flowc.yaml for its targets',
        "flowc build --only 'ctr-*' --target argo",
        'flowc build --check                        # CI: exit 1 when anything is stale, missing or left over; a summary of what and why',
        'flowc build --check --diff                 # the summary, then the diff of every stale file',
        'flowc build --prune                        # also remove files no binding produces any more',
      ),
    )
    .option('--deploy', 'after building, deploy every binding to its targets (see flowc deploy)')
    .option('--dry-run', 'with --deploy: print the plan; send nothing that writes')
    .option('--region <region>', 'with --deploy: the AWS region')
    .option('--role-arn <arn>', 'with --deploy: the IAM role new state machines run as')
    .option('--deploy-jobs <n>', 'with --deploy: deploys at once (default 4)')
    .action(async (opts) => {
      if (!opts.deploy && (opts.dryRun || opts.region !== undefined || opts.roleArn !== undefined || opts.deployJobs !== undefined)) {
        throw new UsageError('--dry-run, --region, --role-arn and --deploy-jobs apply to build --deploy');
      }
      const { runBuild } = await import('./commands/build.js');
      exitCode = await runBuild(io, opts);
      if (opts.deploy && exitCode === EXIT.ok) exitCode = await (await import('./commands/deploy.js')).runBuildDeploy(io, opts);
    });

  cascade(
    program
      .command('deploy')
      .description('compile a flow and deploy it: Step Functions, Google Cloud Workflows, GitHub Actions or Argo')
      .argument('<flow>', 'the flow file')
      .option('-t, --target <target>', 'stepfunctions, gcp-workflows, github-actions or argo; required')
      .option('--name <name>', "the deployed name (default: the flow's)")
      .option('--dry-run', 'print the plan; send nothing that writes (Argo: the API server\'s dry run)')
      .option('--no-validate', 'stepfunctions: skip ValidateStateMachineDefinition')
      .option('--region <region>', 'stepfunctions: the AWS region (default: the SDK chain)')
      .option('--role-arn <arn>', 'stepfunctions: the IAM role the state machine runs as (needed to create it)')
      .option('--schedule-role-arn <arn>', 'stepfunctions: the IAM role EventBridge Scheduler assumes')
      .option('--project <id>', 'gcp-workflows: the Google Cloud project')
      .option('--location <region>', 'gcp-workflows: the region')
      .option('--service-account <email>', 'gcp-workflows: the service account the workflow runs as')
      .option('--repo-dir <dir>', 'github-actions: the checkout to write .github/workflows/ into', '.')
      .option('--namespace <ns>', 'argo: the namespace')
      .option('--context <name>', 'argo: the kubeconfig context')
      .addHelpText(
        'after',
        examples(
          'flowc deploy flow.yaml -t sfn --role-arn arn:aws:iam::123456789012:role/flow --dry-run',
          'flowc deploy flow.yaml -t gcp-workflows --project acme --location europe-west4',
          'flowc deploy flow.yaml -t gha --repo-dir .    # then commit .github/workflows/',
          'flowc deploy flow.yaml -t argo --namespace ml --dry-run',
        ),
      ),
  ).action(async (flow: string, opts) => {
    const { runDeploy } = await import('./commands/deploy.js');
    exitCode = await runDeploy(io, flow, opts);
  });

  cascade(
    program
      .command('run')
      .description('run a flow on this machine: each step as a local process, in dependency order (docs/run.md)')
      .argument('<flow>', 'the flow file')
      .option('--param <name=value>', 'a parameter value for this run (repeatable)', collect, [])
      .option('--max-parallel <n>', 'most step processes running at once (default: one per core)')
      .option('--only <steps...>', 'run only these steps (their needs are not run)')
      .option('--run-id <id>', 'the run id, naming .flowc/runs/<run-id>/ (default: time and a random suffix)')
      .addHelpText('after', examples('flowc run flow.yaml --param epochs=3', 'flowc run flow.yaml --config app=config/dev.toml --max-parallel 2', 'flowc run flow.yaml --only train evaluate'))
      .addHelpText('after', 'flowc run also exits 1 when a step fails, and 130 when interrupted by Ctrl-C (143 by SIGTERM).\n'),
  ).action(async (flow: string, opts) => {
    const { runRun } = await import('./commands/run.js');
    exitCode = await runRun(io, flow, opts);
  });

  program
    .command('init')
    .description('start a project: a flow, configs by environment, a config schema, flowc.yaml and a CI check')
    .argument('[dir]', 'the folder to create the project in (default: this folder)')
    .addOption(new Option('--template <name>', 'the starter').choices(['ml-training', 'etl']).default('ml-training'))
    .option('--force', 'in a folder that is not empty: add the starter files that are missing, replacing none')
    .addOption(new Option('--diagnostics <format>', 'how problems are printed').choices(['text', 'json']).default('text'))
    .addHelpText('after', examples('flowc init my-pipeline', 'flowc init etl-jobs --template etl', 'flowc init . --force       # add what is missing, replace nothing'))
    .action(async (dir: string | undefined, opts) => {
      const { runInit } = await import('./commands/init.js');
      exitCode = await runInit(io, dir, opts);
    });

  cascade(program.command('graph').description('draw the step graph: mermaid, dot or svg').argument('<flow>', 'the flow file')
    .option('--format <format>', 'mermaid, dot or svg (default: mermaid)').option('-o, --output <file>', 'write the picture to this file')
    .option('-t, --target <target>', 'as this target compiles it: sfn and gcp-workflows draw the orderings their lowering added, dashed')
    .addHelpText('after', examples('flowc graph flow.yaml --format svg -o flow.svg', 'flowc graph flow.yaml --target sfn'))).action(async (flow: string, opts) => {
    exitCode = await (await import('./commands/graph.js')).runGraph(io, flow, opts);
  });

  cascade(program.command('explain').description('how each step, foreach, schedule and secret of a flow maps to one target').argument('<flow>', 'the flow file')
    .option('-t, --target <target>', 'the target to explain; required').option('--format <format>', 'text or json (default: text)')
    .addHelpText('after', examples('flowc explain flow.yaml --target sfn', 'flowc explain flow.yaml -t argo --format json'))).action(async (flow: string, opts) => {
    exitCode = await (await import('./commands/explain.js')).runExplain(io, flow, opts);
  });

  program
    .command('diff')
    .description('what changes for the engine between two variants of a flow, two IR files, two build folders, or the project at a git revision')
    .argument('[inputs...]', 'a flow (with --against-config/--against-set), two IR files, or two build folders')
    .option('--config <name=file>', 'the before side: add a config file to a declared config (repeatable, later wins)', collect, [])
    .option('--set <override>', 'the before side: Hydra-style override (repeatable)', collect, [])
    .option('--against-config <name=file>', 'the after side: config files instead of --config (repeatable)', collect, [])
    .option('--against-set <override>', 'the after side: overrides instead of --set (repeatable)', collect, [])
    .option('--base <rev>', 'compare the project (flowc.yaml) at this git revision with the work tree')
    .option('-p, --project <file>', 'with --base: the project file, or a folder holding flowc.yaml')
    .option('-t, --target <targets>', "the targets whose artifacts are compared (default: the flow's targets:, or each binding's)")
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--exit-code', 'exit 1 when the diff is not empty (as git diff --exit-code)')
    .option('--allow-outside', 'read config files, extends and schemas from outside the project root')
    .addOption(new Option('--diagnostics <format>', 'how problems are printed').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      examples(
        'flowc diff flow.yaml --config app=config/a.toml --against-config app=config/b.toml',
        'flowc diff flow.yaml --config app=config/prod.toml --against-set app.train.cpu=8',
        'flowc diff --base origin/main --exit-code          # CI: what this branch changes, per binding and step',
        'flowc diff old.ir.json new.ir.json --format json',
        'flowc diff build-old/ build/',
      ),
    )
    .action(async (inputs: string[], opts) => {
      const { runDiff } = await import('./commands/diff.js');
      exitCode = await runDiff(io, inputs, opts);
    });

  program
    .command('targets')
    .description('list the targets and the files each writes')
    .addHelpText('after', examples('flowc targets'))
    .action(async () => {
      const { runTargets } = await import('./commands/targets.js');
      exitCode = runTargets(io);
    });

  return {
    run: async (argv: string[]) => {
      const format = wantsJson(argv) ? 'json' : 'text';
      if (format === 'json' && jsonOnStdout(argv)) {
        // stdout carries exactly one JSON document; what the command prints besides goes to stderr.
        io.jsonOut = base.stdout;
        io.stdout = base.stderr;
      }
      const code = await runParsed(argv, format);
      if (io.jsonOut && !io.jsonWritten) io.jsonOut(diagnosticsToJson([], (p) => p));
      return code;
    },
  };

  async function runParsed(argv: string[], format: 'text' | 'json'): Promise<number> {
    try {
      await program.parseAsync(argv, { from: 'user' });
      return exitCode;
    } catch (e) {
      if (e instanceof CommanderError) {
        // --help and --version exit 0; everything else commander rejects is wrong usage.
        if (e.exitCode === 0) return EXIT.ok;
        // `flowc` alone: commander has printed the help to stderr; that says enough.
        if (e.code === 'commander.help') return EXIT.usage;
        const command = argv.find((a) => program.commands.some((c) => c.name() === a));
        // Printed escaped like every diagnostic: the message quotes arguments as typed.
        reportUsage(io, commanderDiagnostic(e, command), format);
        return EXIT.usage;
      }
      if (e instanceof UsageError) {
        reportUsage(io, usageDiagnostic(e), format);
        return EXIT.usage;
      }
      throw e;
    }
  }
}
