import { canonicalJson } from '../../../src/source/canonical-json.js';
import { SYSTEM_ENV_NAMES, stepEnv } from '../../../src/ir/env.js';
import { shellScript } from '../../../src/ir/shell.js';
import type { IR, IRString } from '../../../src/ir/types.js';
import type { Json } from '../../../src/source/tree.js';

/**
 * A small model of what reaches a container when Argo runs a WorkflowTemplate, used as a test
 * oracle for text encoding (not a mock of a validator: Argo has no offline runner on npm).
 *
 * Modelled from Argo's source and the Kubernetes API reference:
 * - Argo tags: `{{` up to the next `}}` is a tag; a known tag is replaced, an unknown one is kept
 *   (fasttemplate with allowUnresolved); one scan per pass, replaced text is not rescanned within
 *   the pass. Task arguments are substituted with the item and globals; a template is substituted
 *   with globals, then (a second pass) with its inputs (`common.SubstituteParams`). Because later
 *   passes would scan the result again, the final container text must hold no `{{` at all.
 * - The kubelet expands `$(VAR)` in command/args from the container's env and in env values from
 *   the variables defined before; `$$` becomes `$`; unknown references are kept.
 */
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
    const v = values.get(tag.trim());
    out += v ?? `{{${tag}}}`;
    i = end + 2;
  }
  return out + text.slice(i);
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

/** Runs every container of the workflow; returns the containers by leaf task name (one per item). */
export function simulate(wt: Record<string, any>, o: { workflowName: string; params: Record<string, string> }): Map<string, SimContainer[]> {
  const templates = new Map<string, any>((wt.spec.templates as any[]).map((t) => [t.name, t]));
  const globals = new Map<string, string>([['workflow.name', o.workflowName]]);
  for (const p of (wt.spec.arguments?.parameters ?? []) as any[]) {
    const v = o.params[p.name] ?? p.value;
    if (v === undefined) throw new Error(`no value for parameter ${p.name}`);
    if (p.enum && !p.enum.includes(v)) throw new Error(`value ${v} of ${p.name} not in enum`);
    globals.set(`workflow.parameters.${p.name}`, v);
  }
  const out = new Map<string, SimContainer[]>();
  const run = (templateName: string, taskName: string, inputs: Map<string, string>) => {
    const t = templates.get(templateName);
    if (t.dag) {
      for (const task of t.dag.tasks as any[]) {
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
    const inputScope = new Map<string, string>();
    for (const p of (t.inputs?.parameters ?? []) as any[]) {
      const v = inputs.get(p.name);
      if (v === undefined) throw new Error(`template ${templateName} input ${p.name} not supplied`);
      inputScope.set(`inputs.parameters.${p.name}`, v);
    }
    const argo = (text: string) => {
      const final = substituteTags(substituteTags(text, globals), inputScope);
      if (final.includes('{{')) throw new Error(`Argo would template ${JSON.stringify(final)} again`);
      return final;
    };
    const c = t.container;
    const envDefs: [string, string][] = ((c.env ?? []) as any[]).map((e) => [e.name, argo(e.value)]);
    const env = new Map<string, string>();
    const envOut: [string, string][] = [];
    for (const [name, value] of envDefs) {
      const v = kubeletExpand(value, (n) => env.get(n));
      env.set(name, v);
      envOut.push([name, v]);
    }
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map((s: string) => kubeletExpand(argo(s), (n) => env.get(n)));
    const list = out.get(taskName) ?? [];
    list.push({ argv, env: envOut.filter(([n]) => n !== 'FLOWC_LBRACE') });
    out.set(taskName, list);
  };
  run(wt.spec.entrypoint, wt.spec.entrypoint, new Map());
  return out;
}

/**
 * What the flow says each step's container gets, with the same run-time values. A `run` step gets
 * `sh -c` with the script's run-time parts as shell variable references (src/ir/shell.ts, the
 * contract every target shares) and the values in env variables, placed after the FLOWC_* system
 * variables and before the user's env.
 */
export function expectedContainers(ir: IR, o: { workflowName: string; params: Record<string, string> }): Map<string, SimContainer[]> {
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
                for (const seg of p.path) cur = cur !== null && typeof cur === 'object' ? (cur as any)[seg] : undefined;
                // docs/ir.md: an item part that is not a string is its canonical JSON (sorted keys).
                return cur === undefined ? '' : typeof cur === 'string' ? cur : canonicalJson(cur);
              }
            }
          })
          .join('');
      const shell = s.exec.kind === 'run' ? shellScript(s.exec.script) : null;
      const argv = shell ? ['sh', '-c', shell.script] : s.exec.kind === 'command' ? s.exec.argv.map(text) : [];
      const all = stepEnv(ir, s);
      const isSystem = (name: string) => (SYSTEM_ENV_NAMES as readonly string[]).includes(name);
      const env = [...all.filter((e) => isSystem(e.name)), ...(shell?.env ?? []), ...all.filter((e) => !isSystem(e.name))];
      list.push({ argv, env: env.map((e) => [e.name, text(e.value)]) });
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
