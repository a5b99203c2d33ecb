import { Document, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { jsonWithVisibleText } from '../../source/visible-text.js';
import { safeYamlString, yamlComment } from '../yaml-text.js';
import { writeYaml, type YamlWriteRules } from '../yaml-write.js';
import { STEP_SUBWORKFLOW } from './names.js';
import type { Layout } from './workflow.js';
import { FINISHED_VAR } from './dag-scheduler.js';

/**
 * The one place that turns the definition object into YAML. Key order is the order the builders
 * create keys in; these options are pinned so the bytes never depend on the yaml package's
 * defaults:
 * - YAML 1.1 output, because Workflows reads YAML 1.1-style scalars: `yes`, `on`, `0777` and the
 *   like get quoted so they stay strings;
 * - no line folding (`lineWidth: 0`), so long commands are never wrapped;
 * - no anchors/aliases for repeated objects;
 * - a `commands` list is one flow-style line, as a command line reads;
 * - in the `compact` layout (workflow.ts), to keep the source small (Workflows: 128 KB), each call
 *   of `flowc_step`, and a parallel branch that is only such a call, is one flow-style line too;
 *   in the `full` layout a call is a block, one value a line.
 * A value holding a multi-line string stays in block style, where it reads as written.
 */
export function serializeYaml(value: unknown, header: string[], layout: Layout = 'full'): string {
  return writeYaml(value, gcwYamlRules(layout), yamlComment(header)) ?? serializeYamlViaYaml(value, header, layout);
}

/**
 * The rules of `serializeYamlViaYaml` below for ../yaml-write.ts, the direct writer tried first:
 * the same flow-style choices, made on the plain values (plainFlow, below).
 */
export function gcwYamlRules(layout: Layout): YamlWriteRules {
  return layout === 'compact' ? COMPACT_RULES : FULL_RULES;
}

/** The same document through the `yaml` package: the fallback of the direct writer, and its reference in tests. */
export function serializeYamlViaYaml(value: unknown, header: string[], layout: Layout = 'full'): string {
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false });
  // A plain walk rather than yaml's `visit`, whose bookkeeping per node cost more than these tests.
  const walk = (node: unknown): void => {
    if (isMap(node)) {
      if (layout === 'compact' && (isStepCall(node) || isSingleCallBranch(node) || isDagStep(node)) && oneLine(node)) node.flow = true;
      for (const pair of node.items) {
        if (isScalar(pair.key) && pair.key.value === 'commands' && isSeq(pair.value) && oneLine(pair.value)) pair.value.flow = true;
        walk(pair.key);
        walk(pair.value);
      }
    } else if (isSeq(node)) for (const x of node.items) walk(x);
  };
  walk(doc.contents);
  // The header carries the flow file's name: ../yaml-text.ts keeps it one inert comment line.
  doc.commentBefore = yamlComment(header);
  return safeYamlString(doc, { lineWidth: 0, minContentWidth: 0, indent: 2, indentSeq: true, flowCollectionPadding: false });
}

/**
 * Bytes `serializeYaml` writes at the least for `value`: every key and scalar appears in the YAML
 * at least as long as its own text (quoting, escapes, indentation and block style only add), so a
 * definition over a size by this count is over it written out, without writing it (index.ts skips
 * the full layout of a large flow this way).
 */
export function leastYamlBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'boolean') return String(value).length;
  if (Array.isArray(value)) {
    let n = 0;
    for (const x of value) n += leastYamlBytes(x);
    return n;
  }
  if (value === null || typeof value !== 'object') return 0;
  let n = 0;
  for (const [k, v] of Object.entries(value)) n += Buffer.byteLength(k, 'utf8') + 1 + leastYamlBytes(v);
  return n;
}

/** `{ call: flowc_step, args: ... }` */
function isStepCall(map: YAMLMap): boolean {
  const call = map.get('call', true);
  return isScalar(call) && call.value === STEP_SUBWORKFLOW;
}

/** `{ steps: [ { name: { call: flowc_step, ... } } ] }` */
function isSingleCallBranch(map: YAMLMap): boolean {
  if (map.items.length !== 1) return false;
  const steps = map.get('steps', true);
  if (!isSeq(steps) || steps.items.length !== 1) return false;
  const only = steps.items[0];
  if (!isMap(only) || only.items.length !== 1) return false;
  const body = only.items[0]?.value;
  return isMap(body) && isStepCall(body);
}

/** A look, a sleep or a mark of the DAG schedule (dag-scheduler.ts): many per flow, a line each. */
function isDagStep(map: YAMLMap): boolean {
  const call = map.get('call', true);
  if (isScalar(call) && call.value === 'sys.sleep') return true;
  const sw = map.get('switch', true);
  if (isSeq(sw)) return sw.items.some((c) => isMap(c) && c.has('next'));
  const assign = map.get('assign', true);
  return isSeq(assign) && assign.items.length === 1 && isMap(assign.items[0]) && assign.items[0].items.some((p) => isScalar(p.key) && String(p.key.value).startsWith(`${FINISHED_VAR}[`));
}

/**
 * True when no string under `node` spans lines. A plain walk, not `visit`: it runs for every call
 * and `commands` list of the definition, and the visitor's bookkeeping cost more than the test.
 */
function oneLine(node: unknown): boolean {
  if (isScalar(node)) return typeof node.value !== 'string' || !/[\n\r]/.test(node.value);
  if (isMap(node)) return node.items.every((p) => oneLine(p.key) && oneLine(p.value));
  if (isSeq(node)) return node.items.every((x) => oneLine(x));
  return true;
}

/** JSON with two-space indent and a final newline, for the Cloud Scheduler job (strings as in toJsonText of stepfunctions). */
export function serializeJson(value: unknown): string {
  return `${jsonWithVisibleText(JSON.stringify(value, null, 2))}\n`;
}

/** Own property `key` of a plain map, as yaml's `map.get(key)` finds it (undefined values are no pairs). */
const own = (map: Record<string, unknown>, key: string): unknown => (Object.hasOwn(map, key) ? map[key] : undefined);
const isPlainMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
/**
 * The one key of `map` with a defined value, or undefined when it has none or several: what
 * `Object.keys(map).filter(defined)` of length 1 says, without the arrays (asked of every map the
 * compact layout writes).
 */
function soleDefinedKey(map: Record<string, unknown>): string | undefined {
  let sole: string | undefined;
  for (const k in map) {
    if (!Object.hasOwn(map, k) || map[k] === undefined) continue;
    if (sole !== undefined) return undefined;
    sole = k;
  }
  return sole;
}

/** `isStepCall`, `isSingleCallBranch` and `isDagStep` above, on plain values. */
function plainStepCall(map: Record<string, unknown>): boolean {
  return own(map, 'call') === STEP_SUBWORKFLOW;
}

function plainSingleCallBranch(map: Record<string, unknown>): boolean {
  if (soleDefinedKey(map) === undefined) return false;
  const steps = own(map, 'steps');
  if (!Array.isArray(steps) || steps.length !== 1) return false;
  const only: unknown = steps[0];
  if (!isPlainMap(only)) return false;
  const key = soleDefinedKey(only);
  if (key === undefined) return false;
  const body = only[key];
  return isPlainMap(body) && plainStepCall(body);
}

function plainDagStep(map: Record<string, unknown>): boolean {
  if (own(map, 'call') === 'sys.sleep') return true;
  const sw = own(map, 'switch');
  if (Array.isArray(sw)) return sw.some((c) => isPlainMap(c) && own(c, 'next') !== undefined);
  const assign = own(map, 'assign');
  if (!Array.isArray(assign) || assign.length !== 1) return false;
  const only: unknown = assign[0];
  if (!isPlainMap(only)) return false;
  for (const k in only) if (Object.hasOwn(only, k) && only[k] !== undefined && k.startsWith(`${FINISHED_VAR}[`)) return true;
  return false;
}

/** `oneLine` above, on plain values. */
function plainOneLine(v: unknown): boolean {
  if (typeof v === 'string') return !LINE_BREAK.test(v);
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!plainOneLine(x)) return false;
    return true;
  }
  const map = v as Record<string, unknown>;
  for (const k of Object.keys(map)) {
    const x = map[k];
    if (x !== undefined && (LINE_BREAK.test(k) || !plainOneLine(x))) return false;
  }
  return true;
}

const LINE_BREAK = /[\n\r]/;

/** The flow-style choices of the walk in `serializeYamlViaYaml`, on plain values. */
function plainFlow(layout: Layout): (value: object, key: string | undefined) => boolean {
  return (value, key) => {
    if (Array.isArray(value)) return key === 'commands' && plainOneLine(value);
    const map = value as Record<string, unknown>;
    return layout === 'compact' && (plainStepCall(map) || plainSingleCallBranch(map) || plainDagStep(map)) && plainOneLine(map);
  };
}

// Options of `serializeYamlViaYaml`: a YAML 1.1 document, yaml's default null, no flow padding.
const FULL_RULES: YamlWriteRules = { version: '1.1', nullStr: 'null', flowPadding: false, flow: plainFlow('full') };
const COMPACT_RULES: YamlWriteRules = { ...FULL_RULES, flow: plainFlow('compact') };
