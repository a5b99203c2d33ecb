import type { IRStep } from '../../ir/types.js';
import { SFN_LIMITS } from './limits.js';

/** The env variable the wrapper uploads under: `s3://<bucket>/<key of the step or task>`, no trailing `/`. */
export const OUTPUTS_URI_VAR = 'FLOWC_OUTPUTS_URI';
/** `$0` of the wrapper's `sh -c`, shown by the shell in its own messages. */
export const WRAPPER_NAME = 'flowc-outputs';

/** POSIX shell single quoting: the text is data, whatever it holds. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'"'"'`)}'`;
}

/**
 * The `sh -c` script a step with outputs runs in its container (docs/targets/stepfunctions.md,
 * "Step outputs"). Batch and ECS return nothing to the state machine but the exit status, so the
 * step's own argv (an exec form, or `sh -c SCRIPT` for a `run` step) runs unchanged as `"$@"`,
 * with FLOWC_OUTPUTS set to a fresh directory; then, when it exited 0, each declared output is
 * checked and uploaded to `$FLOWC_OUTPUTS_URI/<name>`, which the state machine reads back:
 *
 * - a missing file fails the step, naming step and output;
 * - a file over the 256 KiB a state can carry fails it, with size and limit, before Step
 *   Functions would fail the run with a vaguer States.DataLimitExceeded;
 * - a `json` output must be one JSON value, checked with `jq` or else `python3` when the image has
 *   one (neither: not checked here, and the state machine's States.StringToJson fails the run);
 * - a `string` output loses its trailing newlines (`$(cat f)`), as on every engine.
 *
 * Names are literal text in single quotes; values never become shell text. The script holds no
 * backslash, so the intrinsic-function escaping of a `States.Array` command (render-string.ts)
 * is only ever `\'`, `\{` and `\}`.
 */
export function wrapperScript(step: IRStep, uploader: readonly string[]): string {
  const max = SFN_LIMITS.outputBytes.value;
  const upload = uploader.map(shellQuote).join(' ');
  const lines = [
    'set -u',
    'FLOWC_OUTPUTS=$(mktemp -d) && flowc_up=$(mktemp -d) || exit 1',
    'export FLOWC_OUTPUTS',
    '"$@" || exit',
    `flowc_fail() { echo "flowc: step ${step.id}: $1" >&2; exit 1; }`,
    'flowc_out() {',
    'f="$FLOWC_OUTPUTS/$1"',
    `[ -f "$f" ] || flowc_fail "output '$1' was not written (the step must write the file $f)"`,
    'n=$(wc -c < "$f") && n=$((n + 0))',
    `[ "$n" -le ${max} ] || flowc_fail "output '$1' is $n bytes, over the limit of ${max} bytes (256 KiB) a Step Functions state can carry"`,
    'if [ "$2" = json ]; then',
    `if command -v jq >/dev/null 2>&1; then jq -s -e 'length == 1' "$f" >/dev/null 2>&1 || flowc_fail "output '$1' is not one JSON value"`,
    `elif command -v python3 >/dev/null 2>&1; then python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" 2>/dev/null || flowc_fail "output '$1' is not one JSON value"`,
    'fi',
    `cp "$f" "$flowc_up/$1" || flowc_fail "cannot read output '$1'"`,
    'else',
    `v=$(cat "$f") && printf '%s' "$v" > "$flowc_up/$1" || flowc_fail "cannot read output '$1'"`,
    'fi',
    `${upload} "$flowc_up/$1" "$${OUTPUTS_URI_VAR}/$1" || flowc_fail "could not upload output '$1' to $${OUTPUTS_URI_VAR}/$1"`,
    '}',
    ...step.outputs.map((o) => `flowc_out ${shellQuote(o.name)} ${o.type}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The container argv of a step with outputs: the wrapper around the step's own argv. */
export function wrappedArgv<T>(step: IRStep, uploader: readonly string[], argv: readonly T[], literal: (text: string) => T): T[] {
  return [literal('sh'), literal('-c'), literal(wrapperScript(step, uploader)), literal(WRAPPER_NAME), ...argv];
}
