import type { IROutput, IROutputRef, IRStep, IRString } from '../../ir/types.js';
import { ARGO_LIMIT_TABLE } from './limits.js';
import { LBRACE_VAR } from './render-string.js';

/**
 * Step outputs (docs/outputs.md) on Argo: what a producing step's pod writes, how Argo reads it,
 * and the expressions a consuming task uses. docs/targets/argo.md, "Step outputs", explains the
 * layout for users; each rule below cites Argo's source (argo-workflows v4, paths relative to
 * https://github.com/argoproj/argo-workflows/blob/main/).
 *
 * Producer. The template mounts an emptyDir at /flowc (exists and is writable by any user when the
 * process starts, https://kubernetes.io/docs/concepts/storage/volumes/#emptydir); FLOWC_OUTPUTS is
 * /flowc/outputs. A small POSIX sh wrapper runs the step's own command, then for each declared
 * output: fails the step when the file is missing, strips trailing newlines (`$(cat f)`), checks the
 * size, and writes the value Argo reads to /flowc/values/<name>, declared as
 * `outputs.parameters[].valueFrom.path`. Argo alone would not do this: a missing file is an error
 * only with a vague message, and Argo strips one trailing newline, not all
 * (workflow/executor/executor.go `SaveParameters`: `strings.TrimSuffix(output, "\n")`). A path on a
 * volume mount is read by the wait container through its mirror of main's mounts under /mainctrfs
 * (`isBaseImagePath`, `common.ExecutorMainFilesystemDir`); the emissary skips copying it
 * (cmd/argoexec/commands/emissary.go `saveParameter`: "on overlapping volume").
 *
 * Foreach producers. Argo aggregates the outputs of a withItems/withParam task's children, sorted by
 * loop index (workflow/controller/operator.go `processAggregateNodeOutputs`, `loopNodes`), into a
 * JSON list, but parses the values only when *every* one is a JSON map or list, else lists them as
 * strings (`aggregatedJSONValueList`, `tryJSONUnmarshal`). So a json output `1` or a string output
 * `{"a":1}` would come out wrong. Each task therefore writes its value tagged: a json value as
 * `{"v":<value>}` (always a map, so the list is parsed: `[{"v":...},...]`), a string value as
 * `~<text>` (never JSON, so the list holds the strings: `["~a",...]`), and the consumer's expression
 * unwraps the list (`outputText`). A json value that is not JSON makes the list one of strings,
 * and `#.v` on a string fails the consuming task's expression: the run fails, not silently.
 *
 * Consumer. A value reaches a container only through a task argument whose expression encodes it
 * for the kubelet as parameters are (render-string.ts `paramExpression`): Argo scans substituted
 * text again in later passes, so raw `{{` in a value would be templated. The template gets it as
 * input parameter FLOWC_STEPS_<STEP>_<OUTPUT> and sets the env variable of that name; argv and env
 * values read `$(FLOWC_STEPS_...)`, a `run` script `${FLOWC_STEPS_...}`.
 */

/** The emptyDir that holds a producer's files. */
export const OUTPUTS_VOLUME = 'flowc-outputs';
export const OUTPUTS_MOUNT = '/flowc';
/** FLOWC_OUTPUTS: where the step writes one file per output. */
export const OUTPUTS_DIR = `${OUTPUTS_MOUNT}/outputs`;
/** Where the wrapper writes the values Argo reads (`valueFrom.path`). */
export const VALUES_DIR = `${OUTPUTS_MOUNT}/values`;

/** The most bytes one output value may have: it reaches a consumer as one `NAME=value` env string. */
export const OUTPUT_VALUE_LIMIT = ARGO_LIMIT_TABLE.outputValueBytes;

/** The key under which a foreach task's json value is wrapped, and the prefix of a string value. */
const JSON_WRAP_KEY = 'v';
const STRING_TAG = '~';

/** Single-quoted for sh: the text exactly, whatever it holds. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The wrapper script: `sh -c <script> flowc-outputs <argv...>` runs argv, then publishes the
 * outputs. It holds no run-time text (names come from the flow), so it renders as literal text.
 */
export function outputWrapperScript(step: IRStep): string {
  const limit = OUTPUT_VALUE_LIMIT.value;
  const foreach = step.foreach !== null;
  // Inside a double-quoted message: only characters the shell leaves alone there.
  const id = step.id.replace(/[^A-Za-z0-9_.-]/g, '?');
  const lines = [
    `# flowc: run the step, then publish its outputs (docs/targets/argo.md, Step outputs)`,
    `d=\${FLOWC_OUTPUTS%/*}/values`,
    `mkdir -p "$FLOWC_OUTPUTS" "$d" || exit 1`,
    `"$@" || exit`,
    `out() {`,
    `  if [ ! -f "$FLOWC_OUTPUTS/$1" ]; then`,
    `    echo "flowc: step '${id}' exited 0 without writing its output '$1' (\\$FLOWC_OUTPUTS/$1)" >&2`,
    `    exit 1`,
    `  fi`,
    `  v=$(cat "$FLOWC_OUTPUTS/$1") || exit 1`,
    // Some wc implementations pad the count with blanks.
    `  n=$(printf '%s' "$v" | wc -c) && n=\${n##* }`,
    `  if [ "$n" -gt ${limit} ]; then`,
    `    echo "flowc: step '${id}': output '$1' is $n bytes, over the limit of ${limit} bytes on ${OUTPUT_VALUE_LIMIT.title} (${OUTPUT_VALUE_LIMIT.doc})" >&2`,
    `    exit 1`,
    `  fi`,
    foreach
      ? `  if [ "$2" = json ]; then printf '{"${JSON_WRAP_KEY}":%s}' "$v" > "$d/$1"; else printf '${STRING_TAG}%s' "$v" > "$d/$1"; fi || exit 1`
      : `  printf '%s' "$v" > "$d/$1" || exit 1`,
    `}`,
    ...step.outputs.map((o) => `out ${shQuote(o.name)} ${o.type}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The argv of a producing step: the wrapper around the step's own argv. */
export function wrappedArgv(step: IRStep, argv: IRString[]): IRString[] {
  const lit = (value: string): IRString => [{ kind: 'lit', value }];
  return [lit('sh'), lit('-c'), lit(outputWrapperScript(step)), lit('flowc-outputs'), ...argv];
}

/** `outputs.parameters` of a producing container template. */
export function outputParameters(outputs: readonly IROutput[]): Record<string, unknown>[] {
  return outputs.map((o) => ({ name: o.name, valueFrom: { path: `${VALUES_DIR}/${o.name}` } }));
}

// ------------------------------------------------------------------ expressions

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `base.key`, or `base["key"]` when the key is not an identifier (task names hold `-`). */
function member(base: string, key: string, optional = false): string {
  if (IDENT.test(key)) return `${base}${optional ? '?.' : '.'}${key}`;
  return `${base}${optional ? '?.' : ''}[${JSON.stringify(key)}]`;
}

/** Where Argo keeps a task's output in a DAG's scope: `tasks.<task>.outputs.parameters.<name>`. */
function taskOutput(task: string, output: string, optional: boolean): string {
  return member(member(member(member('tasks', task), 'outputs', optional), 'parameters', optional), output, optional);
}

export interface ProducerInfo {
  /** The Argo task that publishes the step's outputs (the foreach wrapper's task when there is one). */
  task: string;
  /** A foreach step: its outputs are aggregated lists of tagged values. */
  foreach: boolean;
  outputs: readonly IROutput[];
}

/**
 * An expression whose value is the output's text as flowc defines it (docs/outputs.md): a plain
 * step's value as is; a foreach step's a JSON list of the tasks' values in item order. An empty
 * dynamic foreach is Skipped and publishes nothing (workflow/controller/dag.go: "DAG task with
 * empty withParams list should be skipped"); its outputs are then absent and an expression sees
 * nil (docs/variables.md, "Outputs of Skipped and Omitted Nodes"), so `?? "[]"` gives the empty list.
 */
export function outputText(ref: IROutputRef, producer: ProducerInfo): string {
  if (!producer.foreach) return taskOutput(producer.task, ref.output, false);
  const type = producer.outputs.find((o) => o.name === ref.output)?.type ?? 'string';
  const list = `fromJSON(${taskOutput(producer.task, ref.output, true)} ?? "[]")`;
  const unwrap = type === 'json' ? `#.${JSON_WRAP_KEY}` : `sprig.trimPrefix(${JSON.stringify(STRING_TAG)}, #)`;
  return `toJson(map(${list}, { ${unwrap} }))`;
}

/**
 * Text encoded for the kubelet at run time, as `paramExpression` encodes a parameter: every `$`
 * doubled and every `{` as `$(FLOWC_LBRACE)`, so Argo finds no `{{` in it in later passes and the
 * kubelet's `$(VAR)` expansion yields the text byte for byte.
 */
export function kubeletEncoded(textExpression: string): string {
  return `sprig.replace("{", "$(${LBRACE_VAR})", sprig.replace("$", "$$", ${textExpression}))`;
}

/** A DAG task argument carrying one output's text to a consuming template. */
export function outputArgument(ref: IROutputRef, producer: ProducerInfo): string {
  return `{{=${kubeletEncoded(outputText(ref, producer))}}}`;
}

// ------------------------------------------------------------------ dynamic foreach

/** The key of the whole item (`i0`) and of each path (`i1`, ...) in a dynamic item map. */
export function dynamicItemKey(index: number): string {
  return `i${index}`;
}

/** The text of `${item...}` for one path, as for static items: a string as is, else compact JSON, missing as ''. */
function itemPathText(path: readonly (string | number)[]): string {
  let value = '#';
  for (const seg of path) {
    value = typeof seg === 'number' ? `(type(${value}) == "array" ? get(${value}, ${seg}) : nil)` : `(type(${value}) == "map" ? get(${value}, ${keyLiteral(seg)}) : nil)`;
  }
  if (path.length === 0) return `(type(#) == "string" ? # : toJson(#))`;
  return `(type(${value}) == "string" ? ${value} : (${value} == nil ? "" : toJson(${value})))`;
}

/**
 * A map key as an expression. A key holding braces, quotes or backslashes is written as
 * `fromBase64("...")`: Argo ends a tag at the first `}}` (fasttemplate), so such a key must not
 * appear in the tag's text.
 */
function keyLiteral(key: string): string {
  return /^[A-Za-z0-9_ .:/@+-]*$/.test(key) ? JSON.stringify(key) : `fromBase64(${JSON.stringify(Buffer.from(key, 'utf8').toString('base64'))})`;
}

/**
 * The `withParam` expression of a dynamic foreach: the list the output holds, each element turned
 * into a map of base64 texts, one key per item path the step uses. Why: Argo formats map items
 * itself (`{{item.key}}` is `fmt.Sprintf("%v")` of the value, a JSON text with its quotes cut off,
 * pkg/apis/workflow/v1alpha1/item.go `Item.String`; workflow/controller/operator.go `processItem`),
 * which garbles strings holding quotes or backslashes and cannot reach nested paths; base64 text
 * goes through unchanged and the task argument decodes it. A value that is not a JSON list fails
 * the expression (or `withParam value could not be parsed as a JSON list`, dag.go `expandTask`),
 * and the run fails before any task of the step starts.
 */
export function withParamExpression(from: IROutputRef, producer: ProducerInfo, paths: readonly (readonly (string | number)[])[]): string {
  const entries = paths.map((p, i) => `${JSON.stringify(dynamicItemKey(i))}: toBase64(${itemPathText(p)})`);
  return `{{=toJson(map(fromJSON(${outputText(from, producer)}), { {${entries.join(', ')}} }))}}`;
}

/** The DAG task argument that gives a template one item path's text, decoded and kubelet-encoded. */
export function dynamicItemArgument(index: number): string {
  return `{{=${kubeletEncoded(`fromBase64(item.${dynamicItemKey(index)})`)}}}`;
}
