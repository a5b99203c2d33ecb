import { canonicalJson } from '../../../src/source/canonical-json.js';
import { SYSTEM_ENV_NAMES, stepEnv } from '../../../src/ir/env.js';
import { paramVar, shellScript } from '../../../src/ir/shell.js';
import type { IR, IRString } from '../../../src/ir/types.js';
import type { Json } from '../../../src/source/tree.js';
import { evalExpr, expandScope, goJson, MissingVariable } from './argo-expr.js';

/**
 * A small model of what reaches a container when Argo runs a WorkflowTemplate, used as a test
 * oracle for text encoding (not a mock of a validator: Argo has no offline runner on npm).
 *
 * Every rule comes from Argo's source (argo-workflows v4.1, paths below) or the Kubernetes source
 * and API reference:
 * - Tags: `{{` up to the next `}}` is a tag (util/template/template.go: fasttemplate with `{{` and
 *   `}}`, no escape syntax); a known tag is replaced, an unknown one is kept (allowUnresolved,
 *   util/template/simple_template.go); one scan per pass, replaced text is not rescanned within
 *   the pass.
 * - Expressions: a tag starting with `=` is an expr-lang expression over the same values, nested
 *   by their dots (util/template/kind.go, expression_template.go; util/expr/env/env.go: `sprig`
 *   holds sprig's functions, `expand.Expand` nests `workflow.parameters.x`); it stays as written
 *   while a variable it reads is missing. The model evaluates only what flowc writes: string
 *   literals, `workflow.parameters.x` / `workflow.parameters["x"]` and `sprig.replace(old, new,
 *   src)` (sprig: `strings.Replace(src, old, new, -1)`); anything else throws.
 * - Passes: a DAG task's arguments are substituted with the globals and the item
 *   (workflow/controller/dag.go `ReplaceStrictAny`); a template with the globals, then with the
 *   globals and its inputs (workflow/common/util.go `SubstituteParams`), then the pod once more
 *   with the globals, the inputs and `pod.name` (workflow/controller/workflowpod.go
 *   `substitutePodParams`). Each pass rescans what an earlier one inserted, so the final
 *   container text must hold no `{{` at all (the model throws).
 * - The kubelet expands `$(VAR)` in command/args from the container's env and in env values from
 *   the variables defined before; `$$` becomes `$`; unknown references are kept (EnvVar.value and
 *   Container.args in the Kubernetes API reference; k8s.io/kubernetes
 *   third_party/forked/golang/expansion/expand.go). Its output is not expanded again.
 * - Args whose JSON (Go `json.Marshal`) is over 131072 bytes are moved into a ConfigMap by Argo
 *   4.1+ and read back by the emissary, so the kubelet does not expand them; the model then
 *   returns them unexpanded (workflow/controller/workflowpod.go, `common.MaxEnvVarLen`;
 *   cmd/argoexec/commands/emissary.go). An offloaded arg over 131072 bytes would be replaced by
 *   `@<file>`; the model throws.
 * - Linux refuses to start a process with an argument or `NAME=value` string over MAX_ARG_STRLEN
 *   (131072 bytes with its NUL; include/uapi/linux/binfmts.h, execve(2)); the model throws.
 * - An env entry with `valueFrom.secretKeyRef` gets the key's value from the Secret when the kubelet
 *   starts the container; Argo never sees the value, so no tag in it is substituted, and the kubelet
 *   expands `$(VAR)` only in `value`, never in a value from a source (EnvVar.value and
 *   EnvVarSource.secretKeyRef in https://kubernetes.io/docs/reference/kubernetes-api/core-v1/env-var-v1/;
 *   pkg/kubelet/kubelet_pods.go `makeEnvironmentVariables`). A later `$(VAR)` can read it. An entry
 *   has a value or a source, not both (API validation `validateEnvVarValueFrom`). The model reads
 *   secret values from `secrets` ("name/key"), and a missing one is an error, as the kubelet's
 *   CreateContainerConfigError is.
 */
export const MAX_ARG_STRLEN = 131_072;
export const ARGO_ARGS_OFFLOAD_BYTES = 131_072;
export interface SimContainer {
  argv: string[];
  env: [string, string][];
}

export function substituteTags(text: string, values: Map<string, string>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('{{', i);
    if (start < 0) break;
    const end = text.indexOf('}}', start + 2);
    if (end < 0) break;
    out += text.slice(i, start);
    const tag = text.slice(start + 2, end);
    const v = tag.startsWith('=') ? evaluateExpression(tag.slice(1), values) : values.get(tag.trim());
    out += v ?? `{{${tag}}}`;
    i = end + 2;
  }
  return out + text.slice(i);
}

/** The expressions flowc writes; undefined (the tag stays) while a variable is missing. */
export function evaluateExpression(source: string, values: Map<string, string>): string | undefined {
  let pos = 0;
  const ws = () => {
    while (/\s/.test(source[pos] ?? '')) pos++;
  };
  const fail = (): never => {
    throw new Error(`the Argo model does not evaluate expression ${JSON.stringify(source)} (at ${pos})`);
  };
  const expect = (s: string) => {
    ws();
    if (!source.startsWith(s, pos)) fail();
    pos += s.length;
  };
  const stringLiteral = (): string => {
    ws();
    if (source[pos] !== '"') fail();
    const end = source.indexOf('"', pos + 1);
    if (end < 0) fail();
    const text = source.slice(pos + 1, end);
    if (text.includes('\\')) fail();
    pos = end + 1;
    return text;
  };
  const value = (): string | undefined => {
    ws();
    if (source[pos] === '"') return stringLiteral();
    if (source.startsWith('sprig.replace', pos)) {
      pos += 'sprig.replace'.length;
      expect('(');
      const from = value();
      expect(',');
      const to = value();
      expect(',');
      const src = value();
      expect(')');
      if (from === undefined || to === undefined || src === undefined) return undefined;
      return src.split(from).join(to);
    }
    if (source.startsWith('workflow.parameters', pos)) {
      pos += 'workflow.parameters'.length;
      let name: string;
      if (source[pos] === '.') {
        const m = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(source.slice(pos)) ?? fail();
        name = m[1] as string;
        pos += m[0].length;
      } else {
        expect('[');
        name = stringLiteral();
        expect(']');
      }
      return values.get(`workflow.parameters.${name}`);
    }
    return fail();
  };
  const result = value();
  ws();
  if (pos !== source.length) fail();
  return result;
}

/** Kubernetes' `$(VAR)` expansion (third_party/forked/golang/expansion), as documented on EnvVar.value. */
export function kubeletExpand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === '$' && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const rest = input.slice(cursor + 1);
      let advance = 1;
      if (rest[0] === '$') out += '$';
      else if (rest[0] === '(') {
        const close = rest.indexOf(')');
        if (close < 0) out += '$(';
        else {
          const name = rest.slice(1, close);
          out += lookup(name) ?? `$(${name})`;
          advance = close + 1;
        }
      } else if ((rest.codePointAt(0) as number) > 0x7f) {
        // The real code copies one byte converted to a rune here, garbling multi-byte UTF-8.
        throw new Error(`the kubelet would garble '$' followed by non-ASCII in ${JSON.stringify(input)}`);
      } else out += `$${rest[0]}`;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

/** Go's `json.Marshal` length for strings: HTML-safe escapes for `<`, `>`, `&`, U+2028, U+2029. */
function goJsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  return Buffer.byteLength(text) + 5 * (text.match(/[<>&]/g)?.length ?? 0) + 3 * (text.match(/[\u2028\u2029]/g)?.length ?? 0);
}

/** A run's `workflow.name` and `workflow.parameters.*`: the values given, else the defaults; enums hold. */
export function runGlobals(wt: Record<string, any>, o: { workflowName: string; params: Record<string, string> }): Map<string, string> {
  const globals = new Map<string, string>([['workflow.name', o.workflowName]]);
  for (const p of (wt.spec.arguments?.parameters ?? []) as any[]) {
    const v = o.params[p.name] ?? p.value;
    if (v === undefined) throw new Error(`no value for parameter ${p.name}`);
    if (p.enum && !p.enum.includes(v)) throw new Error(`value ${v} of ${p.name} not in enum`);
    globals.set(`workflow.parameters.${p.name}`, v);
  }
  return globals;
}

/** Runs every container of the workflow; returns the containers by leaf task name (one per item). */
export function simulate(
  wt: Record<string, any>,
  o: { workflowName: string; params: Record<string, string>; secrets?: Record<string, string> },
): Map<string, SimContainer[]> {
  const templates = new Map<string, any>((wt.spec.templates as any[]).map((t) => [t.name, t]));
  const globals = runGlobals(wt, o);
  const out = new Map<string, SimContainer[]>();
  const run = (templateName: string, taskName: string, inputs: Map<string, string>) => {
    const t = templates.get(templateName);
    if (t.dag) {
      for (const task of t.dag.tasks as any[]) {
        if (task.withParam !== undefined) throw new Error(`task ${task.name} has withParam: run it with runWorkflow`);
        const items: (string | Record<string, string> | undefined)[] = task.withItems ?? [undefined];
        for (const item of items) {
          const scope = new Map(globals);
          for (const [k, v] of inputs) scope.set(`inputs.parameters.${k}`, v);
          if (typeof item === 'string') scope.set('item', item);
          else if (item) for (const [k, v] of Object.entries(item)) scope.set(`item.${k}`, v);
          const args = new Map<string, string>();
          for (const p of (task.arguments?.parameters ?? []) as any[]) args.set(p.name, substituteTags(p.value, scope));
          run(task.template, task.name, args);
        }
      }
      return;
    }
    const list = out.get(taskName) ?? [];
    list.push(podContainer({ t, templateName, taskName, inputs, globals, workflowName: o.workflowName, secrets: o.secrets }));
    out.set(taskName, list);
  };
  run(wt.spec.entrypoint, wt.spec.entrypoint, new Map());
  return out;
}

/**
 * What the container of one template call gets: its text through Argo's passes and the kubelet's
 * expansion (the rules at the top of this file).
 */
function podContainer(o: {
  t: Record<string, any>;
  templateName: string;
  taskName: string;
  inputs: Map<string, string>;
  globals: Map<string, string>;
  workflowName: string;
  secrets?: Record<string, string> | undefined;
}): SimContainer {
  const { t, templateName, taskName, inputs, globals } = o;
  const inputScope = new Map<string, string>(globals);
  for (const p of (t.inputs?.parameters ?? []) as any[]) {
    const v = inputs.get(p.name);
    if (v === undefined) throw new Error(`template ${templateName} input ${p.name} not supplied`);
    inputScope.set(`inputs.parameters.${p.name}`, v);
  }
  const podScope = new Map<string, string>([...inputScope, ['pod.name', `${o.workflowName}-${taskName}-1234567890`]]);
  const argo = (text: string) => {
    const final = substituteTags(substituteTags(substituteTags(text, globals), inputScope), podScope);
    if (final.includes('{{')) throw new Error(`Argo would template ${JSON.stringify(final)} again`);
    return final;
  };
  const c = t.container;
  const env = new Map<string, string>();
  const envOut: [string, string][] = [];
  for (const e of (c.env ?? []) as any[]) {
    let v: string;
    if (e.valueFrom !== undefined) {
      if (e.value !== undefined) throw new Error(`env ${e.name} of ${taskName} has both value and valueFrom`);
      const ref = e.valueFrom.secretKeyRef;
      if (!ref || Object.keys(e.valueFrom).length !== 1) throw new Error(`env ${e.name} of ${taskName}: the model reads only secretKeyRef sources`);
      const secret = o.secrets?.[`${ref.name}/${ref.key}`];
      if (secret === undefined) throw new Error(`CreateContainerConfigError: secret ${ref.name} has no key ${ref.key} (env ${e.name} of ${taskName})`);
      v = secret;
    } else {
      v = kubeletExpand(argo(e.value), (n) => env.get(n));
    }
    env.set(e.name, v);
    envOut.push([e.name, v]);
  }
  const args = ((c.args ?? []) as string[]).map(argo);
  const offloaded = goJsonBytes(args) > ARGO_ARGS_OFFLOAD_BYTES;
  if (offloaded && args.some((a) => Buffer.byteLength(a) > ARGO_ARGS_OFFLOAD_BYTES)) throw new Error(`Argo would pass an offloaded arg of ${taskName} as @file`);
  const expand = (s: string) => kubeletExpand(s, (n) => env.get(n));
  const argv = [...((c.command ?? []) as string[]).map((s) => expand(argo(s))), ...(offloaded ? args : args.map(expand))];
  for (const a of argv) if (Buffer.byteLength(a) + 1 > MAX_ARG_STRLEN) throw new Error(`E2BIG: an argument of ${taskName} is ${Buffer.byteLength(a) + 1} bytes`);
  for (const [n, v] of envOut) if (Buffer.byteLength(`${n}=${v}`) + 1 > MAX_ARG_STRLEN) throw new Error(`E2BIG: env ${n} of ${taskName}`);
  return { argv, env: envOut.filter(([n]) => n !== 'FLOWC_LBRACE') };
}

/**
 * What the flow says each step's container gets, with the same run-time values. A `run` step gets
 * `sh -c` with the script's run-time parts as shell variable references (src/ir/shell.ts, the
 * contract every target shares) and the values in env variables, placed after the FLOWC_* system
 * variables and before the user's env.
 */
/** `includeConfig: false` when the target left FLOWC_CONFIG out to fit a limit (FLOWC606). */
export function expectedContainers(
  ir: IR,
  o: { workflowName: string; params: Record<string, string>; includeConfig?: boolean; secrets?: Record<string, string> },
): Map<string, SimContainer[]> {
  const paramValue = (name: string) => {
    const p = ir.parameters.find((x) => x.name === name);
    const v = o.params[name] ?? (p?.default !== undefined ? String(p.default) : undefined);
    if (v === undefined) throw new Error(`no value for ${name}`);
    return v;
  };
  const out = new Map<string, SimContainer[]>();
  for (const s of ir.steps) {
    const items: (Json | undefined)[] = s.foreach ? s.foreach.items : [undefined];
    const list: SimContainer[] = [];
    for (const item of items) {
      const text = (v: IRString) =>
        v
          .map((p) => {
            switch (p.kind) {
              case 'lit':
                return p.value;
              case 'param':
                return paramValue(p.name);
              case 'run':
                return o.workflowName;
              case 'flow':
                return ir.flow.name;
              case 'step':
                return s.id;
              case 'item': {
                let cur: Json | undefined = item;
                for (const seg of p.path) cur = cur !== null && typeof cur === 'object' && Object.hasOwn(cur, seg) ? (cur as any)[seg] : undefined;
                // docs/ir.md: an item part that is not a string is its canonical JSON (sorted keys).
                return cur === undefined ? '' : typeof cur === 'string' ? cur : canonicalJson(cur);
              }
            }
          })
          .join('');
      const shell = s.exec.kind === 'run' ? shellScript(s.exec.script) : null;
      const argv = shell ? ['sh', '-c', shell.script] : s.exec.kind === 'command' ? s.exec.argv.map(text) : [];
      const all = stepEnv(ir, s, { includeConfig: o.includeConfig ?? true });
      const isSystem = (name: string) => (SYSTEM_ENV_NAMES as readonly string[]).includes(name);
      // Parameters an exec-form argv or an env value reads travel in FLOWC_PARAM_* variables too,
      // sorted by name with the script's variables.
      const paramsUsed = [...(s.exec.kind === 'command' ? s.exec.argv : []), ...s.env.map((e) => e.value)].flatMap((v) =>
        v.filter((p) => p.kind === 'param').map((p) => (p as { name: string }).name),
      );
      const extra = new Map((shell?.env ?? []).map((e) => [e.name, e.value]));
      for (const name of paramsUsed) extra.set(paramVar(name), [{ kind: 'param', name }]);
      const sortedExtra = [...extra.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, value]) => ({ name, value }));
      const env = [...all.filter((e) => isSystem(e.name)), ...sortedExtra, ...all.filter((e) => !isSystem(e.name))];
      // Secret env after the user's, sorted by name, with the value the Secret holds.
      const secretEnv = [...s.secretEnv].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((e): [string, string] => {
        const loc = ir.secrets.find((x) => x.name === e.secret)?.locators.argo as { name: string; key: string } | undefined;
        const v = loc ? o.secrets?.[`${loc.name}/${loc.key}`] : undefined;
        if (v === undefined) throw new Error(`no value for secret ${e.secret}`);
        return [e.name, v];
      });
      list.push({ argv, env: [...env.map((e): [string, string] => [e.name, text(e.value)]), ...secretEnv] });
    }
    out.set(s.id.replace(/_/g, '-').replace(/-+$/, ''), list);
  }
  return out;
}

/** Sample run-time values: every parameter without a default gets a plain value. */
export function sampleParams(ir: IR): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of ir.parameters) if (p.default === undefined) out[p.name] = `v-${p.name}`;
  return out;
}

/**
 * Sample Secret contents for `simulate`/`expectedContainers`: each argo locator of the flow's
 * secrets ("name/key") holds a value no flow text contains, so a run shows where it arrived.
 */
export function sampleSecrets(ir: IR): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of ir.secrets) {
    const loc = s.locators.argo as { name?: string; key?: string } | undefined;
    if (loc?.name !== undefined && loc.key !== undefined) out[`${loc.name}/${loc.key}`] = `value-of-${s.name}-from-the-cluster`;
  }
  return out;
}

// ------------------------------------------------------------------ runs with step outputs

/**
 * What one container did: its exit code and the files it left, by absolute path in the container
 * (the model reads `outputs.parameters[].valueFrom.path` from these).
 */
export interface ExecResult {
  exitCode: number;
  files: Map<string, string>;
  stderr?: string;
}

export interface RunOptions {
  workflowName: string;
  params: Record<string, string>;
  secrets?: Record<string, string>;
  /** Runs one container: `task` is the leaf task name, `index` the loop index (null outside a loop). */
  exec(task: string, index: number | null, container: SimContainer): ExecResult;
}

export interface RunResult {
  phase: 'Succeeded' | 'Failed';
  message: string;
  /** Every container started, by leaf task name, in loop-index order. */
  containers: Map<string, SimContainer[]>;
  /** Leaf tasks that were Skipped (an empty withParam). */
  skipped: string[];
}

class RunFailed extends Error {}

/** A node's result: its output parameters, or the children of a task group. */
type NodeResult =
  | { kind: 'plain'; outputs: Map<string, string> }
  | { kind: 'group'; children: { index: number; outputs: Map<string, string> }[] }
  | { kind: 'skipped' };

/**
 * `{{...}}` substitution with full expressions (argo-expr.ts): a tag whose variable is absent stays
 * as written (util/template/simple_template.go, expression_template.go `allowUnresolved`). A
 * non-string expression result is written as JSON (expression_template.go `json.Marshal(result)`).
 */
export function substituteRun(text: string, values: Map<string, string>): string {
  const env = expandScope(values);
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('{{', i);
    if (start < 0) break;
    const end = text.indexOf('}}', start + 2);
    if (end < 0) break;
    out += text.slice(i, start);
    const tag = text.slice(start + 2, end);
    let v: string | undefined;
    if (tag.startsWith('=')) {
      try {
        const r = evalExpr(tag.slice(1), env);
        if (r === undefined || r === null) v = undefined;
        else v = typeof r === 'string' ? r : goJson(r);
      } catch (err) {
        if (!(err instanceof MissingVariable)) throw new RunFailed(`failed to evaluate expression: ${(err as Error).message}`);
      }
    } else v = values.get(tag.trim());
    out += v ?? `{{${tag}}}`;
    i = end + 2;
  }
  return out + text.slice(i);
}

/**
 * Argo's loop item variables (workflow/controller/operator.go `processItem`; the formatting of
 * pkg/apis/workflow/v1alpha1/item.go `Item.String`, which cuts the quotes off a string's JSON):
 * a string item is `item` as is; a number or bool its JSON text; a map sets `item` to its JSON and
 * `item.<key>` to each value's `Item.String`; a list sets `item` to its JSON.
 */
function itemVars(item: unknown): [string, string][] {
  const itemString = (v: unknown) => {
    const json = goJson(v);
    return typeof v === 'string' ? json.slice(1, -1) : json;
  };
  if (typeof item === 'string') return [['item', item]];
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    return [['item', goJson(item)], ...Object.entries(item).map(([k, v]): [string, string] => [`item.${k}`, itemString(v)])];
  }
  return [['item', goJson(item)]];
}

/**
 * Argo's aggregation of a loop's outputs (workflow/controller/operator.go
 * `processAggregateNodeOutputs`): children sorted by loop index (`loopNodes`), each output's values
 * as one JSON list, parsed only when every value is a JSON map or list, else the raw strings
 * (`aggregatedJSONValueList`, `tryJSONUnmarshal`); `.outputs.parameters` is the list of each
 * child's parameter map.
 */
function aggregate(children: { index: number; outputs: Map<string, string> }[]): Map<string, string> {
  const sorted = [...children].sort((a, b) => a.index - b.index);
  const out = new Map<string, string>();
  const names = [...new Set(sorted.flatMap((c) => [...c.outputs.keys()]))];
  for (const name of names) {
    const values = sorted.map((c) => c.outputs.get(name)).filter((v): v is string => v !== undefined);
    const parsed = values.map((v) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return undefined;
      }
    });
    const allContainers = parsed.every((p) => p !== null && typeof p === 'object');
    out.set(name, allContainers ? goJson(parsed) : goJson(values));
  }
  return out;
}

/**
 * Runs a WorkflowTemplate with step outputs: each DAG's tasks in dependency order (a task runs when
 * every dependency Succeeded or was Skipped, https://argo-workflows.readthedocs.io/en/latest/enhanced-depends-logic/),
 * the task's arguments and `withParam` substituted with the outputs of its ancestors
 * (workflow/controller/dag.go `resolveDependencyReferences`), then expanded per item
 * (dag.go `expandTask`: a value that is not a JSON list fails; an empty list makes the task
 * Skipped). A container's output parameters are read from the files it left at `valueFrom.path`
 * (a missing file fails the node, none has a default) less one trailing newline
 * (workflow/executor/executor.go `SaveParameters`). A DAG template's `valueFrom.parameter` outputs
 * are substituted in its final scope, with `default` when absent. Loop children complete in reverse
 * order here, so only Argo's sort by loop index puts the outputs in item order.
 */
export function runWorkflow(wt: Record<string, any>, o: RunOptions): RunResult {
  const templates = new Map<string, any>((wt.spec.templates as any[]).map((t) => [t.name, t]));
  const globals = new Map<string, string>([['workflow.name', o.workflowName]]);
  for (const p of (wt.spec.arguments?.parameters ?? []) as any[]) {
    const v = o.params[p.name] ?? p.value;
    if (v === undefined) throw new Error(`no value for parameter ${p.name}`);
    globals.set(`workflow.parameters.${p.name}`, v);
  }
  const containers = new Map<string, SimContainer[]>();
  const skipped: string[] = [];

  const callTemplate = (name: string, taskName: string, index: number | null, inputs: Map<string, string>): Map<string, string> => {
    const t = templates.get(name);
    if (!t) throw new Error(`missing template ${name}`);
    for (const p of (t.inputs?.parameters ?? []) as any[]) if (!inputs.has(p.name)) throw new Error(`template ${name} input ${p.name} not supplied`);
    if (t.dag) {
      const scope = runDag(t, inputs);
      const outputs = new Map<string, string>();
      for (const p of (t.outputs?.parameters ?? []) as any[]) {
        // One variable, resolved without rescanning its value (workflow/controller/operator.go
        // `getTemplateOutputsFromScope`, util/template `ResolveVar`).
        const tag = /^\{\{([^{}]+)\}\}$/.exec(p.valueFrom.parameter)?.[1];
        if (tag === undefined) throw new Error(`the model reads only {{var}} in valueFrom.parameter: ${p.valueFrom.parameter}`);
        const v = scope.get(tag.trim());
        if (v === undefined) {
          if (p.valueFrom.default === undefined) throw new RunFailed(`output ${p.name} of ${name} is absent`);
          outputs.set(p.name, p.valueFrom.default);
        } else outputs.set(p.name, v);
      }
      return outputs;
    }
    const c = podContainer({ t, templateName: name, taskName, inputs, globals, workflowName: o.workflowName, secrets: o.secrets });
    const list = containers.get(taskName) ?? [];
    list.push(c);
    containers.set(taskName, list);
    const r = o.exec(taskName, index, c);
    if (r.exitCode !== 0) throw new RunFailed(`${taskName}${index === null ? '' : `(${index})`} exited ${r.exitCode}: ${r.stderr ?? ''}`);
    const outputs = new Map<string, string>();
    for (const p of (t.outputs?.parameters ?? []) as any[]) {
      const v = r.files.get(p.valueFrom.path);
      if (v === undefined) throw new RunFailed(`${taskName}: open ${p.valueFrom.path}: no such file or directory`);
      outputs.set(p.name, v.endsWith('\n') ? v.slice(0, -1) : v);
    }
    return outputs;
  };

  const runDag = (t: any, inputs: Map<string, string>): Map<string, string> => {
    const tasks = t.dag.tasks as any[];
    const results = new Map<string, NodeResult>();
    const deps = new Map<string, string[]>(tasks.map((x) => [x.name, (x.dependencies ?? []) as string[]]));
    const ancestors = (name: string, seen = new Set<string>()): Set<string> => {
      for (const d of deps.get(name) ?? []) if (!seen.has(d)) ancestors(d, seen.add(d));
      return seen;
    };
    const scopeOf = (names: Iterable<string>) => {
      const scope = new Map(globals);
      for (const [k, v] of inputs) scope.set(`inputs.parameters.${k}`, v);
      for (const a of names) {
        const r = results.get(a);
        if (!r || r.kind === 'skipped') continue;
        const outs = r.kind === 'plain' ? r.outputs : aggregate(r.children);
        for (const [k, v] of outs) scope.set(`tasks.${a}.outputs.parameters.${k}`, v);
      }
      return scope;
    };
    const pending = [...tasks];
    while (pending.length > 0) {
      const i = pending.findIndex((x) => (deps.get(x.name) ?? []).every((d) => results.has(d)));
      if (i < 0) throw new Error('the DAG has a cycle or an unknown dependency');
      const task = pending.splice(i, 1)[0];
      const scope = scopeOf(ancestors(task.name));
      // The whole task is substituted with its ancestors' outputs first; a loop task is then
      // substituted again per item (dag.go `expandTask`, operator.go `processItem`), which rescans
      // what the first pass inserted.
      const firstPass = new Map<string, string>(((task.arguments?.parameters ?? []) as any[]).map((p) => [p.name as string, substituteRun(p.value, scope)]));
      const argsOf = (s: Map<string, string>) => new Map([...firstPass].map(([k, v]) => [k, s === scope ? v : substituteRun(v, s)]));
      let items: unknown[] | null = null;
      if (task.withItems) items = task.withItems;
      if (task.withParam !== undefined) {
        const text = substituteRun(task.withParam, scope);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        if (!Array.isArray(parsed)) throw new RunFailed(`withParam value could not be parsed as a JSON list: ${text.trim()}`);
        items = parsed;
      }
      if (items === null) {
        results.set(task.name, { kind: 'plain', outputs: callTemplate(task.template, task.name, null, argsOf(scope)) });
        continue;
      }
      if (items.length === 0) {
        skipped.push(task.name);
        results.set(task.name, { kind: 'skipped' });
        continue;
      }
      const children: { index: number; outputs: Map<string, string> }[] = [];
      // The last item first: Argo's children finish in any order.
      for (let k = items.length - 1; k >= 0; k--) {
        const s = new Map([...scope, ...itemVars(items[k])]);
        children.push({ index: k, outputs: callTemplate(task.template, task.name, k, argsOf(s)) });
      }
      results.set(task.name, { kind: 'group', children });
    }
    return scopeOf(tasks.map((x) => x.name));
  };

  try {
    callTemplate(wt.spec.entrypoint, wt.spec.entrypoint, null, new Map());
  } catch (err) {
    if (!(err instanceof RunFailed)) throw err;
    for (const list of containers.values()) list.reverse();
    return { phase: 'Failed', message: err.message, containers, skipped };
  }
  // Containers were started last item first; report them in item order.
  for (const list of containers.values()) list.reverse();
  return { phase: 'Succeeded', message: '', containers, skipped };
}
