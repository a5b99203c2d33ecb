import type { IROutput } from '../../ir/types.js';

/**
 * The POSIX `sh` wrapper a step that declares outputs runs in: it creates `$FLOWC_OUTPUTS` (a
 * folder of the datastore bucket, mounted into the job by Batch: outputs.ts), runs the step's own
 * argv exactly as given (`"$@"`, never re-quoted), and when that exits 0 checks every declared
 * output before the job may succeed. Files a failed earlier attempt left (a retry runs in the same
 * folder) are removed first, so an attempt passes only on what it wrote itself.
 *
 *
 * - a missing file fails the job, naming step and output;
 * - a file over `limit` bytes fails it, naming step, output, size and limit (the workflow keeps
 *   each value it reads in a variable, and all variables of an execution share 512 KB: limits.ts);
 * - a `string` output loses its trailing newlines, as `$(cat file)` would, so the object holds
 *   the value the workflow hands on;
 * - a `json` output that is not one JSON value fails the job where the image has `python3` to
 *   check it; elsewhere the workflow's `json.decode` fails the run when it reads the value.
 *
 * Invoked as `sh -c WRAPPER flowc-outputs <step> <limit> <name> <type> ... -- <argv...>`. Output
 * names and step ids are `[a-z0-9_]` (the flow schema), so they travel as plain words. The text
 * holds no `${`: Workflows has no escape for it in a plain string (render-string.ts).
 */
export const OUTPUT_WRAPPER = [
  'step=$1; limit=$2; shift 2',
  'specs=; names=',
  'while [ "$#" -gt 1 ] && [ "$1" != -- ]; do specs="$specs $1:$2"; names="$names $1"; shift 2; done',
  'if [ "$#" -eq 0 ] || [ "$1" != -- ]; then echo "flowc: output wrapper of step \'$step\': no command after --" >&2; exit 2; fi',
  'shift',
  'if ! mkdir -p "$FLOWC_OUTPUTS"; then echo "flowc: step \'$step\': cannot create the outputs folder $FLOWC_OUTPUTS" >&2; exit 1; fi',
  'for name in $names; do rm -f "$FLOWC_OUTPUTS/$name"; done',
  '"$@"',
  'rc=$?',
  'if [ "$rc" -ne 0 ]; then exit "$rc"; fi',
  'failed=0',
  'for spec in $specs; do',
  '  IFS=:; set -- $spec; IFS=\' \'',
  '  name=$1; type=$2; file="$FLOWC_OUTPUTS/$name"',
  '  if [ ! -f "$file" ]; then echo "flowc: step \'$step\' exited 0 but did not write its output \'$name\' (the file \\$FLOWC_OUTPUTS/$name)" >&2; failed=1; continue; fi',
  '  size=$(($(wc -c < "$file")))',
  '  if [ "$size" -gt "$limit" ]; then echo "flowc: step \'$step\': output \'$name\' is $size bytes, over the limit of $limit bytes (Cloud Workflows keeps every value in 512 KB of variable memory)" >&2; failed=1; continue; fi',
  '  if [ "$type" = string ] && [ -s "$file" ] && [ -z "$(tail -c 1 "$file")" ]; then',
  '    value=$(cat "$file") && printf \'%s\' "$value" > "$file.flowc-tmp" && mv -f "$file.flowc-tmp" "$file" || { echo "flowc: step \'$step\': cannot rewrite output \'$name\'" >&2; failed=1; continue; }',
  '  fi',
  '  if [ "$type" = json ] && command -v python3 >/dev/null 2>&1; then',
  '    if ! python3 -c \'import json,sys; json.load(open(sys.argv[1], encoding="utf-8"))\' "$file" >/dev/null 2>&1; then echo "flowc: step \'$step\': output \'$name\' is not one valid JSON value" >&2; failed=1; fi',
  '  fi',
  'done',
  'exit "$failed"',
  '',
].join('\n');

/** The wrapper's `$0`, shown in `ps` and in the shell's own messages. */
export const WRAPPER_NAME = 'flowc-outputs';

/** The argv that runs `argv` inside the wrapper, all literal except the step's own argv. */
export function wrapperArgs(stepId: string, outputs: readonly IROutput[], limit: number): string[] {
  return [WRAPPER_NAME, stepId, String(limit), ...outputs.flatMap((o) => [o.name, o.type]), '--'];
}
