/**
 * The catalogue of every diagnostic flowc reports. A code never changes meaning once released;
 * `docs/diagnostics.md` lists them all (a test keeps the two in step).
 *
 * Ranges: 0xx usage and files · 1xx syntax · 2xx flow shape · 3xx flow semantics ·
 * 4xx config cascade · 5xx interpolation and timing · 6xx targets (one block per target) ·
 * 7xx projects, bindings and sweeps (74x-75x deploy) · 9xx internal.
 */
export interface CodeInfo {
  severity: 'error' | 'warning';
  /** One line: what the code means, as listed in docs/diagnostics.md. */
  title: string;
}

export const CODES = {
  // 0xx usage and files
  FLOWC001: { severity: 'error', title: 'A file could not be read' },
  FLOWC002: { severity: 'error', title: 'Unknown target' },
  FLOWC003: { severity: 'error', title: 'Invalid command-line argument' },
  FLOWC004: { severity: 'error', title: 'Output could not be written' },
  FLOWC005: { severity: 'error', title: 'Unsupported file type' },
  FLOWC006: { severity: 'error', title: 'Input is not a regular file (a folder, FIFO, device or socket)' },
  FLOWC007: { severity: 'error', title: 'Input file is larger than the size limit' },
  FLOWC008: { severity: 'error', title: 'Input file is not valid UTF-8' },
  FLOWC009: { severity: 'error', title: 'Unknown command-line option or command' },
  FLOWC010: { severity: 'error', title: 'A command-line argument or option value is missing' },
  FLOWC013: { severity: 'error', title: 'An output path holds a folder, link, FIFO or device; not replaced' },
  FLOWC014: { severity: 'error', title: 'An existing output is larger than --check reads (16 MiB)' },
  FLOWC015: { severity: 'error', title: 'A failed write could not be completely rolled back' },
  FLOWC016: { severity: 'error', title: 'Interrupted by a signal while writing outputs' },
  FLOWC017: { severity: 'error', title: 'A config file, extends or schema path is outside the project root (use --allow-outside)' },

  // 1xx syntax
  FLOWC101: { severity: 'error', title: 'YAML syntax error' },
  FLOWC102: { severity: 'error', title: 'Duplicate key' },
  FLOWC103: { severity: 'error', title: 'JSON syntax error' },
  FLOWC104: { severity: 'error', title: 'TOML syntax error' },
  FLOWC105: { severity: 'error', title: 'Unsupported YAML feature (anchors/aliases to non-scalars, custom tags)' },
  FLOWC106: { severity: 'error', title: 'YAML aliases expand beyond the node budget' },
  FLOWC107: { severity: 'error', title: 'Document nests deeper than the nesting limit' },
  FLOWC108: { severity: 'error', title: 'String holds a character no output can carry (NUL or a lone surrogate)' },

  // 2xx flow shape (flow schema)
  FLOWC201: { severity: 'error', title: 'Unknown field' },
  FLOWC202: { severity: 'error', title: 'Wrong type' },
  FLOWC203: { severity: 'error', title: 'Missing required field' },
  FLOWC204: { severity: 'error', title: 'Invalid value' },
  FLOWC205: { severity: 'error', title: 'Unsupported flow format version' },

  // 3xx flow semantics
  FLOWC301: { severity: 'error', title: 'Unknown step in needs' },
  FLOWC302: { severity: 'error', title: 'Dependency cycle' },
  FLOWC303: { severity: 'error', title: 'A step needs exactly one of run and command' },
  FLOWC305: { severity: 'error', title: 'Invalid duration' },
  FLOWC306: { severity: 'error', title: 'Invalid memory quantity' },
  FLOWC307: { severity: 'error', title: 'Invalid CPU quantity' },
  FLOWC308: { severity: 'error', title: 'Invalid GPU count' },
  FLOWC309: { severity: 'error', title: 'Invalid cron schedule' },
  FLOWC310: { severity: 'error', title: 'Invalid timezone' },
  FLOWC311: { severity: 'error', title: 'Parameter default does not match its type or enum' },
  FLOWC312: { severity: 'error', title: 'A step needs itself or lists a need twice' },
  FLOWC313: { severity: 'error', title: 'Invalid retry policy' },
  FLOWC314: { severity: 'error', title: 'Invalid foreach' },
  FLOWC315: { severity: 'error', title: 'A step has no image' },
  FLOWC316: { severity: 'error', title: 'Invalid environment variable name' },
  FLOWC317: { severity: 'error', title: 'A scheduled flow has a parameter without a default' },
  FLOWC318: { severity: 'error', title: 'A secret is used where only a whole env value can take one' },
  FLOWC319: { severity: 'error', title: 'Unknown secret' },

  // 4xx config cascade
  FLOWC401: { severity: 'error', title: 'Config file not found' },
  FLOWC402: { severity: 'error', title: 'extends cycle' },
  FLOWC403: { severity: 'error', title: 'Config file must hold a map at the top' },
  FLOWC404: { severity: 'error', title: 'Unknown config name in --config or --set' },
  FLOWC405: { severity: 'error', title: 'Malformed override' },
  FLOWC406: { severity: 'error', title: 'Override changes a key that does not exist' },
  FLOWC407: { severity: 'error', title: 'Override adds a key that already exists' },
  FLOWC408: { severity: 'error', title: 'Override deletes a key that does not exist' },
  FLOWC409: { severity: 'error', title: 'Unknown key in a config interpolation' },
  FLOWC410: { severity: 'error', title: 'Interpolation cycle in a config' },
  FLOWC411: { severity: 'error', title: 'Environment variable not set and no default' },
  FLOWC412: { severity: 'error', title: 'Config does not match its schema' },
  FLOWC413: { severity: 'error', title: 'Config schema is invalid' },
  FLOWC414: { severity: 'error', title: 'Invalid extends' },
  FLOWC415: { severity: 'error', title: 'Non-scalar value interpolated inside a longer string in a config' },
  FLOWC416: { severity: 'error', title: 'Override deletes a key whose value differs from the one given' },
  FLOWC417: { severity: 'error', title: 'Override path runs through a value that is not a map or list' },
  FLOWC418: { severity: 'error', title: 'Malformed interpolation in a config' },
  FLOWC419: { severity: 'error', title: 'Number cannot be represented exactly in JSON' },
  FLOWC420: { severity: 'error', title: 'Config interpolation exceeds its output budget (bytes or values)' },
  FLOWC421: { severity: 'error', title: 'Config interpolation nests too deep' },
  FLOWC422: { severity: 'error', title: 'Override value is not plain data (map as key, custom tag, alias, too deep)' },
  FLOWC423: { severity: 'error', title: 'NUL character in a config value' },
  FLOWC424: { severity: 'error', title: 'A secret-marked or credential config value is used where it would be printed' },
  FLOWC425: { severity: 'warning', title: 'A config value looks like a credential' },
  FLOWC426: { severity: 'error', title: 'A secret reference in a config file' },
  FLOWC427: { severity: 'warning', title: 'A config value is read from a credential-looking environment variable' },

  // 5xx interpolation in flows and the timing rule
  FLOWC501: { severity: 'error', title: 'Malformed interpolation' },
  FLOWC502: { severity: 'error', title: 'Unknown reference root' },
  FLOWC503: { severity: 'error', title: 'Unknown config key' },
  FLOWC504: { severity: 'error', title: 'Unknown parameter' },
  FLOWC505: { severity: 'error', title: 'Non-scalar value inside a longer string' },
  FLOWC506: { severity: 'error', title: 'Run-time value in a deploy-time field' },
  FLOWC507: { severity: 'error', title: '${item} outside a foreach step' },
  FLOWC508: { severity: 'error', title: 'Interpolated value has the wrong type for its field' },
  FLOWC509: { severity: 'error', title: 'Step outputs are not supported yet' },
  FLOWC510: { severity: 'error', title: 'Flow interpolation exceeds its output budget (bytes or values)' },

  // 6xx targets: 60x shared, 61x argo, 62x stepfunctions, 63x github-actions, 64x gcp-workflows
  FLOWC601: { severity: 'error', title: 'Invalid target options' },
  FLOWC602: { severity: 'error', title: 'Names collide after sanitizing for the target' },
  FLOWC603: { severity: 'error', title: 'The flow exceeds a limit of the target engine' },
  FLOWC604: { severity: 'error', title: 'Literal text has no safe encoding in the target' },
  FLOWC605: { severity: 'warning', title: 'Concurrency lost when lowering a non-series-parallel graph' },
  FLOWC606: { severity: 'warning', title: 'FLOWC_CONFIG left out of the step environments to keep within an engine limit' },
  FLOWC607: { severity: 'error', title: 'The target cannot render secrets yet' },
  FLOWC608: { severity: 'error', title: 'A secret the flow uses has no usable locator for the target' },
  FLOWC609: { severity: 'error', title: 'A target option is not allowed per step' },
  FLOWC610: { severity: 'warning', title: 'Argo: flow split into nested DAGs to fit the task limit; some steps wait for a whole group' },
  FLOWC611: { severity: 'error', title: 'Argo: retry backoff factor must be a whole number' },
  FLOWC614: { severity: 'error', title: "Argo: the schedule cannot be said in Argo's cron dialect (robfig/cron v3)" },
  FLOWC615: { severity: 'error', title: "Argo: an argument or env string is over Linux's 128 KiB per-string limit" },
  FLOWC616: { severity: 'error', title: 'Argo: container args over 128 KiB would skip the kubelet expansion they need (Argo 4.1+)' },
  FLOWC622: { severity: 'error', title: 'Step Functions: the schedule restricts both day of month and day of week' },
  FLOWC623: { severity: 'warning', title: 'Step Functions: no schedule file, the state machine ARN or the scheduler role is not set' },
  FLOWC624: { severity: 'warning', title: 'Step Functions: steps with different images share one job or task definition' },
  FLOWC625: { severity: 'error', title: 'Step Functions: a GPU step would run on Fargate, which has no GPUs' },
  FLOWC626: { severity: 'error', title: 'Step Functions: the options name ARNs or a region in different AWS partitions' },
  FLOWC627: { severity: 'error', title: "Step Functions: a step's image cannot be guaranteed by the Batch job definition it names" },
  FLOWC628: { severity: 'warning', title: 'Step Functions: a job definition revision is ignored; flowc writes the definition and submits to its latest revision' },
  FLOWC629: { severity: 'warning', title: "Step Functions: a timeout under AWS Batch's 60-second minimum is raised to 60 seconds" },
  FLOWC631: { severity: 'error', title: 'GitHub Actions: a GPU step needs gpuRunsOn (runsOn has no GPU)' },
  FLOWC633: { severity: 'warning', title: "GitHub Actions: a job's timeout, every retry included, is over a GitHub-hosted runner's 6 hours" },
  FLOWC640: { severity: 'warning', title: 'Google Cloud Workflows: concurrency reduced to fit the parallel-step limits' },
  FLOWC641: { severity: 'error', title: 'Google Cloud Workflows: a value needs an expression over the 400-character limit' },
  FLOWC645: { severity: 'error', title: 'Google Cloud Workflows: a retry limit leaves no room in the Batch job id' },
  FLOWC646: { severity: 'warning', title: 'Google Cloud Workflows: no scheduler file, the project or region option is not set' },
  FLOWC647: { severity: 'warning', title: 'Google Cloud Workflows: no scheduler file, the schedulerServiceAccount option is not set' },
  FLOWC648: { severity: 'warning', title: 'Google Cloud Workflows: a run that uses every retry would exceed the steps of one execution' },
  FLOWC660: { severity: 'error', title: "Step Functions: a run would exceed a Standard execution's 25,000 history events" },
  FLOWC661: { severity: 'warning', title: "Step Functions: a run that spends its retries could exceed a Standard execution's 25,000 history events" },
  FLOWC662: { severity: 'error', title: 'Step Functions: Batch on Fargate needs an execution role' },
  FLOWC663: { severity: 'error', title: "Step Functions: a step is larger than AWS Batch on Fargate's largest size" },
  FLOWC664: { severity: 'warning', title: "Step Functions: a foreach's parallelism is over a Distributed Map's 10,000 at once" },

  // 7xx projects, bindings and sweeps
  FLOWC701: { severity: 'error', title: 'Project file not found' },
  FLOWC702: { severity: 'error', title: 'Project file does not match the project schema' },
  FLOWC703: { severity: 'error', title: 'Unsupported project file format version' },
  FLOWC704: { severity: 'error', title: 'Invalid binding name' },
  FLOWC705: { severity: 'error', title: 'Duplicate binding name' },
  FLOWC706: { severity: 'error', title: 'Binding flow file not found' },
  FLOWC707: { severity: 'error', title: 'Unknown target in the project file' },
  FLOWC708: { severity: 'error', title: 'No binding matches --only' },
  FLOWC709: { severity: 'error', title: 'A binding or sweep variant failed to compile' },
  FLOWC710: { severity: 'warning', title: 'Files an earlier build wrote are no longer produced (stale outputs)' },
  FLOWC711: { severity: 'warning', title: 'A stale output was changed after flowc wrote it; not removed' },
  FLOWC712: { severity: 'warning', title: 'The build manifest could not be read; stale outputs are not tracked' },
  FLOWC713: { severity: 'warning', title: 'A build cache entry failed verification; ignored and recompiled' },
  FLOWC714: { severity: 'warning', title: 'A manifest entry is not a confined path with a SHA-256; ignored' },
  FLOWC715: { severity: 'warning', title: '--jobs is above the worker limit (4 per core, at most 64); clamped' },
  FLOWC716: { severity: 'error', title: 'A build worker failed unexpectedly' },
  FLOWC717: { severity: 'warning', title: 'A stale output is not a regular file in a real folder; not pruned' },
  FLOWC720: { severity: 'error', title: 'Malformed sweep' },
  FLOWC721: { severity: 'error', title: 'Invalid range in a sweep' },
  FLOWC722: { severity: 'error', title: 'A key is swept twice' },
  FLOWC723: { severity: 'error', title: 'A sweep has too many variants' },
  FLOWC724: { severity: 'error', title: 'Two sweep variants get the same name' },

  // 74x-75x deploy (flowc deploy, build --deploy, the programmatic deploy())
  FLOWC740: { severity: 'error', title: 'The target cannot be deployed by flowc' },
  FLOWC741: { severity: 'error', title: 'A deploy setting is missing or invalid (name, region, role, project, location)' },
  FLOWC742: { severity: 'error', title: 'The cloud rejected the definition when validating it' },
  FLOWC743: { severity: 'error', title: 'A cloud API call failed (the error code and a hint follow)' },
  FLOWC744: { severity: 'error', title: 'Cloud credentials are missing or were rejected' },
  FLOWC745: { severity: 'error', title: '--repo-dir is not a git checkout, or the workflow path leaves it' },
  FLOWC746: { severity: 'error', title: 'A binding failed to deploy' },
  FLOWC747: { severity: 'error', title: 'A long-running cloud operation failed or did not finish' },

  // 9xx internal
  FLOWC900: { severity: 'error', title: 'Internal error (a bug in flowc)' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;
