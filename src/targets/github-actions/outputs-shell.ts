import type { IROutput } from '../../ir/types.js';
import { GHA_LIMITS } from './limits.js';
import { quoteLiteral } from './render-string.js';

/**
 * The shell text of step outputs on GitHub Actions (docs/targets/github-actions.md, "Step
 * outputs"). Every snippet is POSIX `sh` (the jobs run `sh {0}`, often inside the step's own
 * image): no bash-isms, no tool beyond POSIX utilities, except where said.
 *
 * A step's process writes `$FLOWC_OUTPUTS/<name>`; a step of ours then copies each file into
 * `$GITHUB_OUTPUT` in the multi-line form `name<<DELIMITER\nvalue\nDELIMITER\n`
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#multiline-strings).
 * The runner reads that file line by line, split at `\n` only on Linux, and ends the value at the
 * first line equal to the delimiter (ordinal comparison;
 * https://github.com/actions/runner/blob/main/src/Runner.Worker/FileCommandManager.cs), so the
 * delimiter is random and checked against every line of the value, made longer until no line
 * equals it (or equals it followed by CR, which a Windows runner would also end on).
 */

/**
 * The folder a step's outputs go to. Computed in the shell from RUNNER_TEMP, not from the
 * `runner.temp` expression: in a `container:` job the expression gives the host's path while the
 * step runs inside the container, where RUNNER_TEMP is the mounted path
 * (https://github.com/actions/runner/issues/965, https://github.com/actions/runner/issues/2498).
 * RUNNER_TEMP is emptied at the start of every job, so each job (and each matrix leg) has its own.
 */
export const OUTPUTS_DIR = '"${RUNNER_TEMP:-/tmp}/flowc-outputs"';

/** The folder (relative to the workspace) a foreach task stages its values in for upload. */
export const UPLOAD_DIR = 'flowc-task-outputs';

/** GitHub's 1 MB per job, read as 1,000,000 bytes (the stricter reading of "MB"). */
export const JOB_OUTPUT_UNITS = GHA_LIMITS.jobOutputsBytes;

/**
 * Lines that start a step's script: FLOWC_OUTPUTS exported and its folder fresh. Before each
 * attempt of a retry loop the folder is emptied again (`resetOutputs`), so a failed attempt's
 * files never count for a later one.
 */
export function outputsPrelude(): string {
  return [
    '# flowc: the step writes one file per declared output into $FLOWC_OUTPUTS (docs/targets/github-actions.md#step-outputs)',
    `FLOWC_OUTPUTS=${OUTPUTS_DIR}; export FLOWC_OUTPUTS`,
    resetOutputs(),
    '',
  ].join('\n');
}

export function resetOutputs(): string {
  return 'rm -rf "$FLOWC_OUTPUTS" && mkdir -p "$FLOWC_OUTPUTS" || exit 1';
}

/**
 * The shell functions the publish and collect steps share. `flowc_publish NAME FILE` appends one
 * output to "$flowc_out" (copied into $GITHUB_OUTPUT only when every output passed), failing the
 * step when the value is over `envLimit`: every reader of a step output gets it as an environment
 * variable (limits.ts `envValueBytes`); null for a value no process reads (the planned matrix). `flowc_units` sums the values as GitHub
 * counts job outputs (UTF-16, approximated as 2 bytes per UTF-8 byte: exact for ASCII, stricter
 * for other text).
 */
function publishFunctions(envLimit: number | null = GHA_LIMITS.envValueBytes): string[] {
  const valueCheck =
    envLimit === null
      ? []
      : [
          `  if [ "$flowc_bytes" -gt ${envLimit} ]; then`,
          `    flowc_fail "step '$FLOWC_STEP': output '$1' is $flowc_bytes bytes, over the ${envLimit} bytes one environment variable can carry to the steps that read it"`,
          '    return',
          '  fi',
        ];
  return [
    'flowc_status=0',
    'flowc_units=0',
    "flowc_cr=$(printf '\\r')",
    'flowc_out="${RUNNER_TEMP:-/tmp}/flowc-github-output"',
    ': > "$flowc_out" || exit 1',
    'flowc_fail() { echo "::error title=flowc::$1"; flowc_status=1; }',
    'flowc_publish() {',
    // $(cat) drops trailing newlines, which is what a `string` output's value is defined as.
    '  flowc_value=$(cat "$2")',
    "  flowc_bytes=$(printf '%s' \"$flowc_value\" | wc -c | tr -d ' ')",
    ...valueCheck,
    '  flowc_units=$((flowc_units + 2 * flowc_bytes))',
    "  flowc_delim=ghadelimiter_$(od -An -N16 -tx1 /dev/urandom 2>/dev/null | tr -dc '0-9a-f')",
    "  while printf '%s\\n' \"$flowc_value\" | grep -Fxq -e \"$flowc_delim\" -e \"$flowc_delim$flowc_cr\"; do flowc_delim=\"${flowc_delim}_\"; done",
    "  printf '%s<<%s\\n%s\\n%s\\n' \"$1\" \"$flowc_delim\" \"$flowc_value\" \"$flowc_delim\" >> \"$flowc_out\"",
    '}',
  ];
}

/** Ends a publish or collect script: the job total checked, then everything or nothing written. */
function publishEnd(what: string): string[] {
  return [
    `if [ "$flowc_units" -gt ${JOB_OUTPUT_UNITS} ]; then`,
    `  flowc_fail "step '$FLOWC_STEP': ${what} come to about $flowc_units bytes as GitHub counts them (UTF-16), over its limit of ${JOB_OUTPUT_UNITS} bytes of outputs per job"`,
    'fi',
    '[ "$flowc_status" = 0 ] || exit 1',
    'cat "$flowc_out" >> "$GITHUB_OUTPUT"',
    '',
  ];
}

/**
 * `flowc_is_json FILE`: 0 when the file is one JSON value, 1 when not, 2 when the image has no
 * tool to tell (neither python3 nor jq: the step's image is the user's, and may have neither).
 * python3 refuses NaN and Infinity, which are not JSON; `jq -s` counts the values, so `1 2` fails.
 */
function jsonCheckFunction(): string[] {
  return [
    'flowc_is_json() {',
    '  if command -v python3 >/dev/null 2>&1; then',
    `    python3 -c 'import json, sys
def no_constant(name):
    raise ValueError(name)
json.loads(open(sys.argv[1], "rb").read().decode("utf-8"), parse_constant=no_constant)' "$1" >/dev/null 2>&1 || return 1`,
    '  elif command -v jq >/dev/null 2>&1; then',
    "    jq -e -s 'length == 1' \"$1\" >/dev/null 2>&1 || return 1",
    '  else',
    '    return 2',
    '  fi',
    '}',
  ];
}

/** Checks that every declared output's file exists (and holds JSON for a json one) in $flowc_dir. */
function checkLines(): string[] {
  const lines = [
    'flowc_check() {',
    '  if [ ! -f "$flowc_dir/$1" ]; then',
    `    flowc_fail "step '$FLOWC_STEP' exited 0 but did not write its output '$1' (\\$FLOWC_OUTPUTS/$1 is missing)"`,
    '    return 1',
    '  fi',
    '  [ "$2" = json ] || return 0',
    '  flowc_is_json "$flowc_dir/$1"',
    '  case $? in',
    '    0) return 0 ;;',
    `    2) echo "::warning title=flowc::step '$FLOWC_STEP': cannot check that output '$1' is one JSON value: the image has neither python3 nor jq"; return 0 ;;`,
    `    *) flowc_fail "step '$FLOWC_STEP': output '$1' is declared json but \\$FLOWC_OUTPUTS/$1 is not one valid JSON value"; return 1 ;;`,
    '  esac',
    '}',
  ];
  return [...jsonCheckFunction(), ...lines];
}

/**
 * The step after a plain (not foreach) step's process: checks its outputs and publishes them as
 * this step's outputs (`steps.flowc_outputs.outputs.<name>`), which the job maps to job outputs.
 */
export function publishScript(outputs: readonly IROutput[]): string {
  return [
    '# flowc: check the files the step wrote to $FLOWC_OUTPUTS and publish them as outputs',
    `flowc_dir=${OUTPUTS_DIR}`,
    ...publishFunctions(),
    ...checkLines(),
    ...outputs.map((o) => `flowc_check ${quoteLiteral(o.name)} ${o.type} && flowc_publish ${quoteLiteral(o.name)} "$flowc_dir"/${quoteLiteral(o.name)}`),
    ...publishEnd('its outputs'),
  ].join('\n');
}

/**
 * The step after one foreach task's process: the same checks, then the values (trailing
 * newlines removed, as for a plain step, then one newline added) staged under UPLOAD_DIR in the workspace for the upload
 * step (a relative path, so it is the same folder inside a container and for the action).
 */
export function stageScript(outputs: readonly IROutput[]): string {
  const envLimit = GHA_LIMITS.envValueBytes;
  return [
    "# flowc: check the files this task wrote to $FLOWC_OUTPUTS and stage them for upload (one artifact per task)",
    `flowc_dir=${OUTPUTS_DIR}`,
    'flowc_status=0',
    'flowc_fail() { echo "::error title=flowc::$1"; flowc_status=1; }',
    ...checkLines(),
    'flowc_stage() {',
    '  flowc_value=$(cat "$flowc_dir/$1")',
    "  flowc_bytes=$(printf '%s' \"$flowc_value\" | wc -c | tr -d ' ')",
    `  if [ "$flowc_bytes" -gt ${envLimit} ]; then`,
    `    flowc_fail "step '$FLOWC_STEP': output '$1' is $flowc_bytes bytes, over the ${envLimit} bytes one environment variable can carry to the steps that read it"`,
    '    return',
    '  fi',
    // One newline after the value, so no staged file is empty (an empty file is the corner case
    // of every uploader); the collector takes exactly that newline off.
    `  printf '%s\\n' "$flowc_value" > ${UPLOAD_DIR}/"$1"`,
    '}',
    `cd "\${GITHUB_WORKSPACE:-.}" && rm -rf ${UPLOAD_DIR} && mkdir ${UPLOAD_DIR} || exit 1`,
    ...outputs.map((o) => `flowc_check ${quoteLiteral(o.name)} ${o.type} && flowc_stage ${quoteLiteral(o.name)}`),
    '[ "$flowc_status" = 0 ] || exit 1',
    '',
  ].join('\n');
}

/** A Python program as one single-quoted shell word (the programs below hold no `'`). */
function pythonWord(program: string): string {
  if (program.includes("'")) throw new Error('github-actions: a helper program must not contain a single quote');
  return `'${program}'`;
}

const NEEDS_PYTHON = [
  'command -v python3 >/dev/null 2>&1 || { echo "::error title=flowc::this helper job runs on the runner itself and needs python3 (every GitHub-hosted runner image has it)"; exit 1; }',
];

/**
 * Collects every task's values of a foreach step into one JSON list per output, in item order:
 * task i's files are in `<in>/<prefix><i>/` (one downloaded artifact per task). A json value is
 * parsed (and must be JSON), a string value becomes a JSON string. Writes `<out>/<name>`.
 */
const COLLECT_PY = `import json, os, sys
src, prefix, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
failed = False
for spec in sys.argv[5:]:
    name, kind = spec.rsplit(":", 1)
    values = []
    for i in range(count):
        path = os.path.join(src, prefix + str(i), name)
        try:
            text = open(path, "rb").read().decode("utf-8", "replace")
            text = text[:-1] if text.endswith("\\n") else text
        except OSError:
            print("::error title=flowc::step %s: task %d of %d left no value for output %s (its artifact %s%d is missing)" % (os.environ.get("FLOWC_STEP", "?"), i, count, name, prefix, i))
            failed = True
            continue
        if kind == "json":
            try:
                values.append(json.loads(text))
            except ValueError:
                print("::error title=flowc::step %s: task %d: output %s is declared json but is not one valid JSON value" % (os.environ.get("FLOWC_STEP", "?"), i, name))
                failed = True
        else:
            values.append(text)
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        f.write(json.dumps(values, ensure_ascii=False, separators=(",", ":")))
sys.exit(1 if failed else 0)
`;

/**
 * The collect step of a foreach step's outputs (in its own job, on the runner): the lists built
 * by COLLECT_PY, then published like a plain step's outputs. `prefix` (the artifact names before
 * the task index) and `count` (the number of tasks) are shell words: a number, or an expansion.
 */
export function collectScript({ outputs, prefix, count }: { outputs: readonly IROutput[]; prefix: string; count: string }): string {
  const specs = outputs.map((o) => quoteLiteral(`${o.name}:${o.type}`)).join(' ');
  return [
    '# flowc: the list of every task\'s value of each output, in item order',
    ...NEEDS_PYTHON,
    `flowc_dir=${OUTPUTS_DIR}`,
    'rm -rf "$flowc_dir" && mkdir -p "$flowc_dir" || exit 1',
    `python3 -c ${pythonWord(COLLECT_PY)} ${UPLOAD_DIR} ${prefix} ${count} "$flowc_dir" ${specs} || exit 1`,
    ...publishFunctions(),
    ...outputs.map((o) => `flowc_publish ${quoteLiteral(o.name)} "$flowc_dir"/${quoteLiteral(o.name)}`),
    ...publishEnd('the collected outputs'),
  ].join('\n');
}

/**
 * Plans a dynamic foreach: reads the JSON list from FLOWC_LIST and writes the matrix (`{"include":
 * [...]}`, one entry per element with the text of each item path the step uses, keyed like a
 * static matrix) and the count. Not a list, or over the matrix limit: the run fails here, before
 * any task starts. An empty list: one entry `{"flowc_empty": "1"}`, since GitHub fails a matrix
 * with no entries; the task's steps skip on it and the job succeeds, so dependents still run.
 * Item text is `valueText` (src/ir/items.ts): a string as is, anything else as canonical JSON
 * (keys sorted, no spaces); a path the element does not have reads as ''.
 */
const PLAN_PY = `import json, os, sys
step, source, limit, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
slots = json.loads(sys.argv[5])
def fail(message):
    print("::error title=flowc::step %s: %s" % (step, message))
    sys.exit(1)
try:
    items = json.loads(os.environ["FLOWC_LIST"])
except ValueError:
    fail("its foreach reads %s, which is not valid JSON" % source)
if not isinstance(items, list):
    fail("its foreach reads %s, which must be a JSON list but is a JSON %s" % (source, {dict: "object", str: "string", bool: "boolean", type(None): "null"}.get(type(items), "number")))
if len(items) > limit:
    fail("its foreach reads %s, a list of %d items, over the %d jobs GitHub runs from one matrix" % (source, len(items), limit))
def text(v):
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
def at(v, path):
    for seg in path:
        if isinstance(v, list) and isinstance(seg, int) and not isinstance(seg, bool) and 0 <= seg < len(v):
            v = v[seg]
        elif isinstance(v, dict) and isinstance(seg, str) and seg in v:
            v = v[seg]
        else:
            return ""
    return text(v)
entries = [dict([(key, at(item, path)) for key, path in slots] + [("flowc_index", i)]) for i, item in enumerate(items)]
with open(os.path.join(out, "matrix"), "w", encoding="utf-8") as f:
    f.write(json.dumps({"include": entries or [{"flowc_empty": "1"}]}, ensure_ascii=False, separators=(",", ":")))
with open(os.path.join(out, "count"), "w") as f:
    f.write(str(len(items)))
`;

/** The step that plans a dynamic foreach (PLAN_PY), publishing `matrix` and `count`. */
export function planScript({ stepId, source, slots }: { stepId: string; source: string; slots: readonly { matrixKey: string; path: readonly (string | number)[] }[] }): string {
  const slotJson = JSON.stringify(slots.map((s) => [s.matrixKey, s.path]));
  return [
    '# flowc: the matrix of a foreach over a step output, one entry per list element',
    ...NEEDS_PYTHON,
    `flowc_dir=${OUTPUTS_DIR}`,
    'rm -rf "$flowc_dir" && mkdir -p "$flowc_dir" || exit 1',
    `python3 -c ${pythonWord(PLAN_PY)} ${quoteLiteral(stepId)} ${quoteLiteral(source)} ${GHA_LIMITS.matrixJobs} "$flowc_dir" ${quoteLiteral(slotJson)} || exit 1`,
    // The matrix is read by `fromJSON` in `strategy`, not from an environment variable.
    ...publishFunctions(null),
    'flowc_publish matrix "$flowc_dir/matrix"',
    'flowc_publish count "$flowc_dir/count"',
    ...publishEnd('the planned matrix and count'),
  ].join('\n');
}
