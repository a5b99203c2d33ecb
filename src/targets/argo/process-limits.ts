import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import { itemValueAt, valueText } from '../../ir/items.js';
import type { IR, IRStep, IRString } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import { originSpan } from './checks.js';
import { ARGO_PROCESS_LIMITS } from './limits.js';
import type { ArgoOptions } from './options.js';
import { renderArgoString } from './render-string.js';
import { FieldsMemo } from './fields-memo.js';
import { argBytesBound, argsJsonBound, envBytesBound, itemTextLengths, type TextContext } from './size-bounds.js';
import type { StepFields } from './step-fields.js';

/**
 * What the container's process must be able to start with.
 *
 * 1. Linux refuses `execve` (E2BIG) when one argument or one `NAME=value` environment string is
 *    longer than MAX_ARG_STRLEN, 32 pages = 131072 bytes, counting its terminating NUL
 *    (include/uapi/linux/binfmts.h; fs/exec.c `copy_strings`; execve(2) "Limits on size of
 *    arguments and environment"). Such a step is refused (FLOWC615), and FLOWC_CONFIG is left out
 *    when its string would be over the limit (FLOWC606, `configEnvFits`).
 * 2. Argo 4.1 and later move a container's `args` into a ConfigMap when their JSON is longer than
 *    131072 bytes (workflow/controller/workflowpod.go, `common.MaxEnvVarLen`); the emissary reads
 *    them from the file (cmd/argoexec/commands/emissary.go), so the kubelet never expands them.
 *    flowc's encoding relies on that expansion (`$$`, `$(FLOWC_LBRACE)`, `$(FLOWC_PARAM_X)`), so
 *    such args are refused (FLOWC616) unless they hold no kubelet syntax at all.
 *
 * Sizes are what flowc knows at compile time: literal text, names and foreach items (the largest
 * item counts). Run-time values (parameters, the run's name) count as empty, so a refusal is
 * certain; a long `-p` value can still make a run fail to start.
 */

/** Whether `FLOWC_CONFIG=<config>` fits in one environment string. */
export function configEnvFits(ir: IR, memo: FieldsMemo = new FieldsMemo()): boolean {
  return envStringBytes('FLOWC_CONFIG', configText(memo, ir)) <= ARGO_PROCESS_LIMITS.argStringBytes;
}

/** FLOWC_CONFIG's text, the canonical JSON of the config. */
export function configText(memo: FieldsMemo, ir: IR): string {
  return (memo.configJson(ir)[0] as { value: string }).value;
}

export function envStringBytes(name: string, value: string): number {
  return utf8Bytes(`${name}=${value}`) + 1;
}

export function checkProcessLimits(
  ir: IR,
  o: { includeConfig: boolean; options: ArgoOptions; diagnostics: DiagnosticBag; taskNames: Map<string, string>; memo: FieldsMemo },
): void {
  for (const step of ir.steps) {
    // The build reads the same fields (fields-memo.ts), so they are computed with the task's name.
    const fields = o.memo.of({ ir, step, taskName: o.taskNames.get(step.id) ?? step.id, includeConfig: o.includeConfig, options: o.options });
    // A dynamic foreach's items are unknown here: its strings are checked as for a plain step.
    const items: (Json | undefined)[] = step.foreach && step.foreach.from === null ? step.foreach.items : [undefined];
    // An empty foreach starts no process.
    if (items.length === 0) continue;
    const text: TextContext = { flowName: ir.flow.name, stepId: step.id, itemLength: itemTextLengths(items) };
    checkStrings(ir, fields, items, text, o.diagnostics);
    checkArgsOffload(ir, fields, items, text, o.diagnostics);
  }
}

function checkStrings(ir: IR, f: StepFields, items: (Json | undefined)[], text: TextContext, diagnostics: DiagnosticBag): void {
  const limit = ARGO_PROCESS_LIMITS.argStringBytes;
  const what = (i: number) =>
    f.step.exec.kind === 'run' ? (i === 2 ? 'run script' : `command[${i}]`) : `command[${i}]`;
  const report = (field: string, bytes: number) =>
    diagnostics.report(
      'FLOWC615',
      `steps.${f.step.id}: the ${field} is ${bytes} bytes when the process starts, over Linux's limit of ${limit} bytes for one argument or environment string (MAX_ARG_STRLEN, counting NAME= and the terminating NUL); the container could not start. Pass the data through a file or an artifact instead`,
      originSpan(f.step.origin),
    );
  // Only a string that could be over the limit is decoded, and once unless it reads the item.
  const over = (s: IRString) => (s.some((p) => p.kind === 'item') ? items : [undefined]);
  f.argv.forEach((s, i) => {
    if (argBytesBound(s, text) <= limit) return;
    const bytes = Math.max(...over(s).map((item) => utf8Bytes(decoded(ir, f.step, s, item)) + 1));
    if (bytes > limit) report(what(i), bytes);
  });
  for (const e of f.env) {
    if (envBytesBound(e.name, e.value, text) <= limit) continue;
    const bytes = Math.max(...over(e.value).map((item) => envBytes(e.name, ir, f.step, e.value, item)));
    if (bytes > limit) report(`env ${e.name}`, bytes);
  }
}

function checkArgsOffload(ir: IR, f: StepFields, items: (Json | undefined)[], text: TextContext, diagnostics: DiagnosticBag): void {
  const limit = ARGO_PROCESS_LIMITS.argsJsonBytes;
  const args = f.argv.slice(f.commandLength);
  if (args.length === 0) return;
  const outputVar = (step: string, output: string) => f.outputInputs.find((x) => x.step === step && x.output === output)?.name;
  if (argsJsonBound(args, text, outputVar) <= limit) return;
  let worst = 0;
  let usesKubelet = false;
  for (const item of items) {
    // Rendered as Argo leaves them for the pod: item text is already encoded (items.ts), the run's
    // name counts as empty.
    const rendered = args.map((s) =>
      renderArgoString(
        s.map((p) => (p.kind === 'item' ? { kind: 'lit', value: valueText(itemValueAt(item as Json, p.path)) } : p.kind === 'run' ? { kind: 'lit', value: '' } : p)),
        {
          flowName: ir.flow.name,
          stepId: f.step.id,
          // A step output is read as $(FLOWC_STEPS_...), whatever its size (outputs.ts).
          tags: { item: () => 'item', output: (step, output) => f.outputInputs.find((x) => x.step === step && x.output === output)?.name as string },
        },
      ),
    );
    worst = Math.max(worst, goJsonBytes(rendered));
    usesKubelet ||= rendered.some((a) => /\$[$(]/.test(a));
  }
  if (worst > limit && usesKubelet) {
    diagnostics.report(
      'FLOWC616',
      `steps.${f.step.id}: the container's args are ${worst} bytes as JSON; Argo 4.1 and later move args over ${limit} bytes into a ConfigMap, where the kubelet does not expand $(VAR) or $$, and these args need it (a parameter read as $(FLOWC_PARAM_...), a '$' written as '$$', or '{{' written with $(FLOWC_LBRACE)); shorten them, or pass the data through a file or a config value`,
      originSpan(f.step.origin),
    );
  }
}

/**
 * `envStringBytes` of the decoded value. FLOWC_CONFIG is one IRString shared by every step
 * (fields-memo.ts): its bytes are counted once, not once per step.
 */
function envBytes(name: string, ir: IR, step: IRStep, s: IRString, item: Json | undefined): number {
  if (name !== 'FLOWC_CONFIG') return envStringBytes(name, decoded(ir, step, s, item));
  let bytes = configBytes.get(s);
  if (bytes === undefined) {
    bytes = envStringBytes(name, decoded(ir, step, s, item));
    configBytes.set(s, bytes);
  }
  return bytes;
}

const configBytes = new WeakMap<IRString, number>();

/** The text the process receives, with run-time values as empty strings. */
function decoded(ir: IR, step: IRStep, s: IRString, item: Json | undefined): string {
  return s
    .map((p) => {
      switch (p.kind) {
        case 'lit':
          return p.value;
        case 'flow':
          return ir.flow.name;
        case 'step':
          return step.id;
        case 'item':
          return valueText(itemValueAt(item as Json, p.path));
        default:
          return '';
      }
    })
    .join('');
}

function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * The length of Go's `json.Marshal` of a value made of strings, arrays and objects: like
 * `JSON.stringify`, but `<`, `>`, `&`, U+2028 and U+2029 become six-byte `\u` escapes (Go's
 * HTML-safe encoding) and control characters other than `\b \f \n \r \t` become `\u00XX`.
 */
export function goJsonBytes(value: unknown): number {
  // One pass over UTF-16 units, counting UTF-8 bytes: JSON.stringify escapes lone surrogates, so
  // a surrogate here is half of a pair, and the pair's four bytes count as two per unit.
  const text = JSON.stringify(value);
  // Nearly every template is ASCII with no character Go escapes differently: one scan says so.
  if (!GO_JSON_WIDER.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0x3c || c === 0x3e || c === 0x26) bytes += 5;
    } else if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdfff) bytes += 1;
    else bytes += c === 0x2028 || c === 0x2029 ? 5 : 2;
  }
  return bytes;
}

/** The units `goJsonBytes` counts as more than one byte: Go's HTML-safe escapes and every non-ASCII unit. */
const GO_JSON_WIDER = /[<>&\u0080-\uffff]/;
