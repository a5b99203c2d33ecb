import { timingRuleMessage } from '../check/timing-rule.js';
import { INTERPOLATION_LIMITS, OutputBudget, textBytes, type Cost } from '../config/limits.js';
import { formatOrigin } from '../config/origin.js';
import { touchesTainted, type TaintedLeaf } from '../config/taint.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { Span } from '../source/span.js';
import { type Json, type LMap, type LMapEntry, type LNode, type LScalar, mapGet } from '../source/tree.js';
import { runTimeScalar, withRunTimeParts } from './run-time-text.js';
import { SECRETS_ROOT, secretMisuseMessage, secretScalar } from './secret-ref.js';
import { StepOutputTable } from './step-outputs.js';
import { formatPath, isWholeReference, parseTemplate, type ParsedTemplate, type TemplatePart } from './template.js';

/** Roots that never name a config (SPEC section 3). */
export const RESERVED_ROOTS = ['params', 'item', 'run', 'flow', 'step', 'steps', 'env', 'secrets'] as const;
const RUNTIME_ROOTS = new Set(['params', 'item', 'run', 'steps']);

export interface ResolveFlowRequest {
  root: LMap;
  configs: Record<string, Json>;
  parameterNames: string[];
  /** Config values flowc never writes, by config name: any reference to one is FLOWC424. */
  tainted?: Record<string, TaintedLeaf[]>;
  /** The flow's `secrets:` names, for `${secrets.NAME}` in env values. */
  secretNames?: string[];
  /**
   * Declared configs whose values could not be resolved (a missing file, a schema error): a
   * reference into one is neither checked nor reported, so the flow's other references still are.
   */
  unresolvedConfigs?: ReadonlySet<string>;
  flowName: string;
  diagnostics: DiagnosticBag;
  /** `parseTemplate`, or the same with its results shared by a build's units (SourceRegistry.derive). */
  parseTemplate?: (text: string) => ParsedTemplate;
}

type FieldMode =
  /** Resolved completely at compile time: run-time references are errors (the timing rule). */
  | { mode: 'deploy'; kind: string }
  /** A string handed to the container: config references are substituted, run-time ones stay. */
  | { mode: 'text' }
  /** An exec-form list of text. */
  | { mode: 'text-list' }
  /** A map of env values, each text. */
  | { mode: 'text-map' }
  | { mode: 'none' };

/**
 * Where a value stands, for messages. The field path is built only when a message needs it: a
 * flow of 10,000 steps has tens of thousands of values and (usually) no problem with any.
 */
class Scope {
  private path: string | undefined;

  private constructor(
    private readonly parent: Scope | undefined,
    private readonly seg: string | number,
    readonly inForeach: boolean,
    readonly stepId: string | undefined,
  ) {}

  static root(fieldPath: string, stepId?: string, inForeach = false): Scope {
    return new Scope(undefined, fieldPath, inForeach, stepId);
  }

  /** `parent.key`, or `parent[i]` for a list index. */
  child(seg: string | number, inForeach = this.inForeach, stepId = this.stepId): Scope {
    return new Scope(this, seg, inForeach, stepId);
  }

  get fieldPath(): string {
    if (this.path === undefined) {
      const p = this.parent;
      this.path = p === undefined ? String(this.seg) : typeof this.seg === 'number' ? `${p.fieldPath}[${this.seg}]` : `${p.fieldPath}.${this.seg}`;
    }
    return this.path;
  }
}

const STEPS_SCOPE = Scope.root('steps');

/**
 * Resolves the `${...}` references of a shape-checked flow against the resolved configs (SPEC
 * section 3). Deploy-time fields come back fully resolved and typed (a whole-string reference
 * takes the value's own type); run-time text comes back as a `RunTimeScalar` whose parts hold the
 * config values as literal text and the run-time references as references, so the IR lowering
 * never re-reads a config value as a template.
 */
export function resolveFlowTree(req: ResolveFlowRequest): LMap {
  const r = new Resolver(req);
  return r.resolveRoot();
}

class Resolver {
  /** Config text and values copied into the flow (docs/security.md, FLOWC510). */
  private readonly budget = new OutputBudget({ bytes: INTERPOLATION_LIMITS.flowBytes, nodes: INTERPOLATION_LIMITS.flowNodes });
  private overrun = false;
  /** What `${steps.<id>.outputs.<name>}` may name; set when `steps:` is resolved, built on first use. */
  private outputsOf: () => StepOutputTable = () => new StepOutputTable(new Map());
  private outputTable: StepOutputTable | undefined;

  private get outputs(): StepOutputTable {
    this.outputTable ??= this.outputsOf();
    return this.outputTable;
  }

  /** Parsed templates by text: a flow repeats the same text in many steps (parts are never changed). */
  private readonly templates = new Map<string, ParsedTemplate>();
  /** Run-time text kept as parsed, by its parsed parts (see resolveText). */
  private readonly keptText = new WeakMap<TemplatePart[], { value: string; parts: TemplatePart[] }>();

  constructor(private readonly req: ResolveFlowRequest) {}

  private template(text: string): ParsedTemplate {
    let parsed = this.templates.get(text);
    if (parsed === undefined) {
      parsed = (this.req.parseTemplate ?? parseTemplate)(text);
      this.templates.set(text, parsed);
    }
    return parsed;
  }

  /**
   * Charges a copy of config data into the flow; false (reported once, at the first reference
   * that does not fit) when the flow's budget is spent.
   */
  private afford(cost: Cost, span: Span, scope: Scope): boolean {
    if (this.overrun) return false;
    if (this.budget.charge(cost)) return true;
    this.overrun = true;
    this.req.diagnostics.report('FLOWC510', `${scope.fieldPath}: config values copied into the flow would come to ${this.budget.describeOverrun(cost)}`, span, [
      `limits per compile: ${INTERPOLATION_LIMITS.flowBytes} bytes of text and ${INTERPOLATION_LIMITS.flowNodes} values copied in by \${...}`,
    ]);
    return false;
  }

  resolveRoot(): LMap {
    const entries = this.req.root.entries.map((e) => {
      switch (e.key) {
        case 'schedule':
          return { ...e, value: this.resolve(e.value, { mode: 'deploy', kind: 'schedule' }, Scope.root('schedule')) };
        case 'targets':
          return { ...e, value: this.resolve(e.value, { mode: 'deploy', kind: 'targets' }, Scope.root('targets')) };
        case 'secrets':
          return { ...e, value: this.resolve(e.value, { mode: 'deploy', kind: 'secrets' }, Scope.root('secrets')) };
        case 'defaults':
          return { ...e, value: this.resolveStepLike(e.value, undefined) };
        case 'parameters':
          return { ...e, value: this.resolveParameters(e.value) };
        case 'steps':
          return { ...e, value: this.resolveSteps(e.value) };
        default:
          return e;
      }
    });
    return { ...this.req.root, entries };
  }

  private resolveParameters(node: LNode): LNode {
    if (node.kind !== 'map') return node;
    return {
      ...node,
      entries: node.entries.map((p) =>
        p.value.kind !== 'map'
          ? p
          : {
              ...p,
              value: {
                ...p.value,
                entries: p.value.entries.map((f) =>
                  f.key === 'default' || f.key === 'enum'
                    ? { ...f, value: this.resolve(f.value, { mode: 'deploy', kind: 'parameters' }, Scope.root(`parameters.${p.key}.${f.key}`)) }
                    : f,
                ),
              },
            },
      ),
    };
  }

  private resolveSteps(node: LNode): LNode {
    if (node.kind !== 'map') return node;
    // Which step may read which output depends on the graph, and `needs` may itself be a config
    // reference: resolve every step's needs first, once.
    const needs = new Map<string, LNode>();
    for (const s of node.entries) {
      const written = s.value.kind === 'map' ? mapGet(s.value, 'needs')?.value : undefined;
      if (written) needs.set(s.key, holdsReference(written) ? this.resolve(written, modeOf('needs'), Scope.root(`steps.${s.key}.needs`, s.key)) : written);
    }
    // Built on the first `${steps...}` reference: most flows have none.
    this.outputsOf = () => StepOutputTable.fromSteps(node, (id) => needs.get(id));
    this.outputTable = undefined;
    let changed = false;
    const entries = node.entries.map((s) => {
      const value = this.resolveStepLike(s.value, s.key, needs.get(s.key));
      if (value === s.value) return s;
      changed = true;
      return { ...s, value };
    });
    return changed ? { ...node, entries } : node;
  }

  /** A step's body (`steps.<stepId>`), or `defaults:` when `stepId` is undefined. */
  private resolveStepLike(node: LNode, stepId: string | undefined, resolvedNeeds?: LNode): LNode {
    if (node.kind !== 'map') return node;
    let inForeach = false;
    if (stepId !== undefined) for (const e of node.entries) if (e.key === 'foreach') inForeach = true;
    let base: Scope | undefined;
    // Copied from the first field that changes: most steps come back as they were.
    let entries: LMapEntry[] | undefined;
    const fields = node.entries;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i] as LMapEntry;
      let value = f.value;
      if (f.key === 'needs' && resolvedNeeds) value = resolvedNeeds;
      else {
        const mode = modeOf(f.key);
        // Nothing to resolve in a field without a reference: no scope, no field path.
        if (mode.mode !== 'none' && holdsReference(f.value)) {
          base ??= stepId === undefined ? Scope.root('defaults') : STEPS_SCOPE.child(stepId, inForeach, stepId);
          const scope = base.child(f.key);
          if (!(f.key === 'foreach' && this.dynamicForeach(f.value, scope))) value = this.resolve(f.value, mode, scope);
        }
      }
      if (entries === undefined && value !== f.value) entries = fields.slice(0, i);
      if (entries !== undefined) entries.push(value === f.value ? f : { ...f, value });
    }
    return entries === undefined ? node : { ...node, entries };
  }

  /**
   * `foreach: ${steps.<id>.outputs.<name>}`, exactly: a dynamic foreach, which stays a reference
   * (lowered to `IRForeach.from`). True when the field is one, after judging the reference; any
   * other foreach is a deploy-time list, where a step output is a timing-rule error.
   */
  private dynamicForeach(node: LNode, scope: Scope): boolean {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return false;
    const parsed = this.template(node.value);
    if (!isWholeReference(parsed)) return false;
    const ref = parsed.parts[0] as Extract<TemplatePart, { kind: 'ref' }>;
    if (ref.root !== 'steps') return false;
    this.outputs.check({ ref, span: refSpan(node, ref.offset), fieldPath: scope.fieldPath, stepId: scope.stepId, use: 'foreach', diagnostics: this.req.diagnostics });
    return true;
  }

  private resolve(node: LNode, mode: FieldMode, scope: Scope): LNode {
    switch (mode.mode) {
      case 'none':
        return node;
      case 'deploy':
        return this.resolveDeploy(node, mode.kind, scope);
      case 'text':
        return this.resolveText(node, scope, 'a string');
      case 'text-list': {
        if (this.wholeSecret(node, scope)) return node;
        const whole = this.wholeConfigValue(node, scope);
        if (whole) return whole.kind === 'seq' ? { ...whole, items: whole.items.map((i) => escapeNode(i)) } : this.expect(whole, 'a list of arguments', scope);
        if (this.wholeRunTime(node, 'command', scope) || node.kind !== 'seq') return node;
        let changed = false;
        const items = node.items.map((item, i) => {
          if (noReference(item)) return item;
          const value = this.resolveText(item, scope.child(i), 'a scalar argument');
          if (value !== item) changed = true;
          return value;
        });
        return changed ? { ...node, items } : node;
      }
      case 'text-map': {
        if (this.wholeSecret(node, scope)) return node;
        const whole = this.wholeConfigValue(node, scope);
        if (whole) return whole.kind === 'map' ? { ...whole, entries: whole.entries.map((e) => ({ ...e, value: escapeNode(e.value) })) } : this.expect(whole, 'a map of variables', scope);
        if (this.wholeRunTime(node, 'env', scope) || node.kind !== 'map') return node;
        return { ...node, entries: node.entries.map((e) => ({ ...e, value: this.resolveEnvValue(e.value, scope.child(e.key)) })) };
      }
    }
  }

  /**
   * One env value: exactly `${secrets.NAME}` becomes a secret reference (SPEC section 8), which
   * the IR keeps apart from text; anything else is run-time text.
   */
  private resolveEnvValue(node: LNode, scope: Scope): LNode {
    if (node.kind !== 'scalar' || typeof node.value !== 'string' || !node.value.includes('${')) return this.resolveText(node, scope, 'a scalar value');
    const parsed = this.template(node.value);
    if (parsed.errors.length > 0 || !isWholeReference(parsed)) return this.resolveText(node, scope, 'a scalar value');
    const ref = parsed.parts[0] as Extract<TemplatePart, { kind: 'ref' }>;
    if (ref.root !== SECRETS_ROOT) return this.resolveText(node, scope, 'a scalar value');
    const name = this.secretName(ref, node, scope);
    return name === undefined ? node : secretScalar(node, name);
  }

  /** The declared secret `${secrets.NAME}` names, or undefined after reporting FLOWC319. */
  private secretName(ref: Extract<TemplatePart, { kind: 'ref' }>, node: LScalar, scope: Scope): string | undefined {
    const names = this.req.secretNames ?? [];
    const name = ref.path[0];
    const span = refSpan(node, ref.offset);
    if (ref.path.length !== 1 || typeof name !== 'string') {
      this.req.diagnostics.report('FLOWC319', `${scope.fieldPath}: \${${ref.raw}} must name one secret, as \${secrets.NAME}`, span, names.length > 0 ? [`declared secrets: ${names.join(', ')}`] : []);
      return undefined;
    }
    if (!names.includes(name)) {
      const notes = suggestionNotes(name, names);
      notes.push(names.length === 0 ? 'the flow declares no secrets: add a secrets: map with a locator per target' : `declared secrets: ${names.join(', ')}`);
      this.req.diagnostics.report('FLOWC319', `${scope.fieldPath}: unknown secret '${name}'`, span, notes);
      return undefined;
    }
    return name;
  }

  /** A whole structural field that is one `${secrets...}` (`command: ${secrets.x}`): refused. */
  private wholeSecret(node: LNode, scope: Scope): boolean {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return false;
    const parsed = this.template(node.value);
    if (!isWholeReference(parsed)) return false;
    const ref = parsed.parts[0] as Extract<TemplatePart, { kind: 'ref' }>;
    if (ref.root !== SECRETS_ROOT) return false;
    this.req.diagnostics.report('FLOWC318', secretMisuseMessage(scope.fieldPath, ref.raw.trim(), 'whole-field'), refSpan(node, ref.offset));
    return true;
  }

  /**
   * A whole structural field that is one run-time reference (`command: ${params.x}`, `env:
   * ${steps.a.outputs.b}`): the list or map itself is fixed when compiled, only its values may
   * be run-time, so this is the timing rule (FLOWC506). True when reported.
   */
  private wholeRunTime(node: LNode, kind: 'command' | 'env', scope: Scope): boolean {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return false;
    const parsed = this.template(node.value);
    if (!isWholeReference(parsed)) return false;
    const ref = parsed.parts[0] as Extract<TemplatePart, { kind: 'ref' }>;
    if (!RUNTIME_ROOTS.has(ref.root)) return false;
    this.req.diagnostics.report('FLOWC506', timingRuleMessage({ fieldPath: scope.fieldPath, fieldKind: kind, root: ref.root, ref: ref.raw.trim() }), refSpan(node, ref.offset));
    return true;
  }

  private expect(node: LNode, what: string, scope: Scope): LNode {
    this.req.diagnostics.report('FLOWC508', `${scope.fieldPath} must be ${what}, but the referenced value is ${describe(node)}`, node.span);
    return node;
  }

  /** A whole-string config reference in a structural text field (`command: ${app.cmd}`). */
  private wholeConfigValue(node: LNode, scope: Scope): LNode | undefined {
    if (node.kind !== 'scalar' || typeof node.value !== 'string') return undefined;
    const parsed = this.template(node.value);
    if (!isWholeReference(parsed)) return undefined;
    const ref = parsed.parts[0] as Extract<TemplatePart, { kind: 'ref' }>;
    if (RUNTIME_ROOTS.has(ref.root) || ref.root === 'flow' || ref.root === 'step' || ref.root === SECRETS_ROOT) return undefined;
    const value = this.lookupConfig(ref, node, scope);
    if (value === undefined || !this.afford(jsonCost(value), refSpan(node, ref.offset), scope)) return node;
    return toLNode(value, refSpan(node, ref.offset));
  }

  private resolveDeploy(node: LNode, kind: string, scope: Scope): LNode {
    // A container none of whose values changed comes back as it was.
    if (node.kind === 'map') {
      let changed = false;
      const entries = node.entries.map((e) => {
        if (noReference(e.value)) return e;
        const value = this.resolveDeploy(e.value, kind, scope.child(e.key));
        if (value === e.value) return e;
        changed = true;
        return { ...e, value };
      });
      return changed ? { ...node, entries } : node;
    }
    if (node.kind === 'seq') {
      let changed = false;
      const items = node.items.map((it, i) => {
        if (noReference(it)) return it;
        const value = this.resolveDeploy(it, kind, scope.child(i));
        if (value !== it) changed = true;
        return value;
      });
      return changed ? { ...node, items } : node;
    }
    if (typeof node.value !== 'string' || !node.value.includes('${')) return node;
    const parsed = this.parse(node, scope);
    if (!parsed) return node;
    const values: { part: TemplatePart; value: Json | undefined }[] = parsed.map((part) => {
      if (part.kind === 'text') return { part, value: part.value };
      if (part.root === SECRETS_ROOT) {
        this.req.diagnostics.report('FLOWC318', secretMisuseMessage(scope.fieldPath, part.raw.trim(), 'deploy'), refSpan(node, part.offset));
        return { part, value: undefined };
      }
      if (RUNTIME_ROOTS.has(part.root)) {
        this.req.diagnostics.report('FLOWC506', timingRuleMessage({ fieldPath: scope.fieldPath, fieldKind: kind, root: part.root, ref: part.raw.trim() }), refSpan(node, part.offset));
        return { part, value: undefined };
      }
      return { part, value: this.compileTimeValue(part, node, scope) };
    });
    if (values.some((v) => v.value === undefined)) return node;
    const copied = values.reduce((c: Cost, v) => (v.part.kind === 'ref' ? addCost(c, jsonCost(v.value as Json)) : c), { bytes: 0, nodes: 0 });
    if (!this.afford(copied, node.span, scope)) return node;
    if (parsed.length === 1 && parsed[0]?.kind === 'ref') return toLNode(values[0]?.value as Json, refSpan(node, parsed[0].offset));
    let text = '';
    for (const { part, value } of values) {
      if (part.kind === 'text') text += part.value;
      else if (isScalar(value as Json)) text += formatScalar(value as Json);
      else {
        this.req.diagnostics.report('FLOWC505', `${scope.fieldPath}: \${${part.raw}} is ${describeJson(value as Json)}; only a scalar can be part of a longer string (use the reference alone to keep its type)`, refSpan(node, part.offset));
        return node;
      }
    }
    return { ...node, value: text };
  }

  private resolveText(node: LNode, scope: Scope, what: string): LNode {
    if (node.kind !== 'scalar') return node;
    if (typeof node.value !== 'string' || !node.value.includes('${')) return node;
    const parsed = this.parse(node, scope);
    if (!parsed) return node;
    const parts: TemplatePart[] = [];
    let substituted = false;
    for (const part of parsed) {
      if (part.kind === 'text') {
        parts.push(part);
        continue;
      }
      if (part.root === SECRETS_ROOT) {
        this.req.diagnostics.report('FLOWC318', secretMisuseMessage(scope.fieldPath, part.raw.trim(), 'text'), refSpan(node, part.offset));
        continue;
      }
      if (RUNTIME_ROOTS.has(part.root)) {
        if (this.checkRuntimeRef(part, node, scope)) parts.push(part);
        continue;
      }
      if (part.root === 'flow' || part.root === 'step') {
        // Kept symbolic in run-time text: the IR records them as typed parts (SPEC section 3).
        if (this.compileTimeValue(part, node, scope) !== undefined) parts.push(part);
        continue;
      }
      const value = this.compileTimeValue(part, node, scope);
      if (value === undefined) continue;
      if (isScalar(value) && !this.afford(jsonCost(value), refSpan(node, part.offset), scope)) return node;
      if (!isScalar(value)) {
        const whole = parsed.length === 1;
        this.req.diagnostics.report(
          whole ? 'FLOWC508' : 'FLOWC505',
          whole
            ? `${scope.fieldPath} must be ${what}, but \${${part.raw}} is ${describeJson(value)}`
            : `${scope.fieldPath}: \${${part.raw}} is ${describeJson(value)}; only a scalar can be part of a longer string`,
          refSpan(node, part.offset),
        );
        continue;
      }
      parts.push({ kind: 'text', value: formatScalar(value) });
      substituted = true;
    }
    if (substituted || parts.length !== parsed.length) return runTimeScalar(node, parts);
    // Text kept as parsed (only run-time references, the common case): its parts and template
    // form are the same for every scalar with this text, so they are made once.
    let kept = this.keptText.get(parsed);
    if (kept === undefined) {
      const made = runTimeScalar(node, parts);
      this.keptText.set(parsed, { value: made.value as string, parts: made.runTimeParts });
      return made;
    }
    return withRunTimeParts(node, kept.value, kept.parts);
  }

  private checkRuntimeRef(part: Extract<TemplatePart, { kind: 'ref' }>, node: LScalar, scope: Scope): boolean {
    const span = refSpan(node, part.offset);
    const d = this.req.diagnostics;
    switch (part.root) {
      case 'params': {
        const name = part.path[0];
        if (part.path.length !== 1 || typeof name !== 'string') {
          d.report('FLOWC504', `${scope.fieldPath}: \${${part.raw}} must name one parameter, as \${params.NAME}`, span);
          return false;
        }
        if (!this.req.parameterNames.includes(name)) {
          d.report('FLOWC504', `${scope.fieldPath}: unknown parameter '${name}'`, span, suggestionNotes(name, this.req.parameterNames));
          return false;
        }
        return true;
      }
      case 'item':
        if (!scope.inForeach) {
          d.report('FLOWC507', `${scope.fieldPath}: \${${part.raw}} is only defined in a step with foreach`, span);
          return false;
        }
        return true;
      case 'run':
        if (part.path.length !== 1 || part.path[0] !== 'id') {
          d.report('FLOWC502', `${scope.fieldPath}: unknown reference \${${part.raw}}; the run root has only run.id`, span);
          return false;
        }
        return true;
      default:
        return this.outputs.check({ ref: part, span, fieldPath: scope.fieldPath, stepId: scope.stepId, use: 'text', diagnostics: d });
    }
  }

  /** Values known at compile time: configs, `flow.name`, `step.name`. */
  private compileTimeValue(part: Extract<TemplatePart, { kind: 'ref' }>, node: LScalar, scope: Scope): Json | undefined {
    const span = refSpan(node, part.offset);
    if (part.root === 'flow' || part.root === 'step') {
      if (part.path.length !== 1 || part.path[0] !== 'name') {
        this.req.diagnostics.report('FLOWC502', `${scope.fieldPath}: unknown reference \${${part.raw}}; use \${${part.root}.name}`, span);
        return undefined;
      }
      if (part.root === 'flow') return this.req.flowName;
      if (scope.stepId === undefined) {
        this.req.diagnostics.report('FLOWC502', `${scope.fieldPath}: \${step.name} is only defined inside a step`, span);
        return undefined;
      }
      return scope.stepId;
    }
    return this.lookupConfig(part, node, scope);
  }

  private lookupConfig(part: Extract<TemplatePart, { kind: 'ref' }>, node: LScalar, scope: Scope): Json | undefined {
    const span = refSpan(node, part.offset);
    const configs = this.req.configs;
    if (part.root === 'env') {
      this.req.diagnostics.report('FLOWC502', `${scope.fieldPath}: \${env:...} may only be used inside config files; read the variable into a config value`, span);
      return undefined;
    }
    if (this.req.unresolvedConfigs?.has(part.root)) return undefined;
    if (!Object.hasOwn(configs, part.root)) {
      const roots = [...Object.keys(configs), 'params', 'item', 'run', 'flow', 'step'];
      this.req.diagnostics.report('FLOWC502', `${scope.fieldPath}: unknown reference root '${part.root}' (not a declared config or a reserved root)`, span, suggestionNotes(part.root, roots));
      return undefined;
    }
    let cur: Json = configs[part.root] as Json;
    for (let i = 0; i < part.path.length; i++) {
      const key = part.path[i] as string | number;
      const here = formatPath(part.root, part.path.slice(0, i));
      if (typeof key === 'number') {
        if (!Array.isArray(cur) || key >= cur.length) {
          this.req.diagnostics.report('FLOWC503', `${scope.fieldPath}: ${here} has no index [${key}]${Array.isArray(cur) ? ` (it has ${cur.length} items)` : ` (it is ${describeJson(cur)})`}`, span);
          return undefined;
        }
        cur = cur[key] as Json;
      } else {
        if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, key)) {
          const keys = cur !== null && typeof cur === 'object' && !Array.isArray(cur) ? Object.keys(cur) : [];
          this.req.diagnostics.report('FLOWC503', `${scope.fieldPath}: config ${here} has no key '${key}'`, span, suggestionNotes(key, keys));
          return undefined;
        }
        cur = cur[key] as Json;
      }
    }
    const tainted = touchesTainted(part.path, this.req.tainted?.[part.root] ?? []);
    if (tainted !== undefined) {
      const why = tainted.reason === 'schema' ? 'is marked secret: true in the config schema' : `comes from environment variable ${tainted.envName}, which looks like a credential`;
      this.req.diagnostics.report('FLOWC424', `${scope.fieldPath}: \${${part.raw.trim()}} reads ${part.root}.${tainted.path}, which ${why}; flowc never writes such a value into an artifact`, span, [
        `the value is set at ${formatOrigin(tainted.origin, (p) => p.split(/[\\/]/).pop() ?? p)}`,
        'give a credential to a step with the flow\'s secrets: and a whole env value, env: { NAME: "${secrets.NAME}" }: the engine injects it when the task starts',
      ]);
      return undefined;
    }
    return cur;
  }

  private parse(node: LScalar, scope: Scope): TemplatePart[] | undefined {
    const parsed = this.template(node.value as string);
    for (const e of parsed.errors) this.req.diagnostics.report('FLOWC501', `${scope.fieldPath}: ${e.message}`, refSpan(node, e.offset));
    return parsed.errors.length > 0 ? undefined : parsed.parts;
  }
}

const TEXT: FieldMode = { mode: 'text' };
const TEXT_LIST: FieldMode = { mode: 'text-list' };
const TEXT_MAP: FieldMode = { mode: 'text-map' };
const NONE: FieldMode = { mode: 'none' };

/**
 * A value with a `${` somewhere in it (a reference, an escape or a malformed one). Every way of
 * resolving a field leaves a value without one as it is and reports nothing about it.
 */
function holdsReference(node: LNode): boolean {
  if (node.kind === 'scalar') return typeof node.value === 'string' && node.value.includes('${');
  if (node.kind === 'seq') {
    for (const item of node.items) if (holdsReference(item)) return true;
    return false;
  }
  for (const e of node.entries) if (holdsReference(e.value)) return true;
  return false;
}

/** A scalar that is no `${...}` template: every resolution leaves it as it is. */
function noReference(node: LNode): boolean {
  return node.kind === 'scalar' && (typeof node.value !== 'string' || !node.value.includes('${'));
}

function modeOf(field: string): FieldMode {
  switch (field) {
    case 'run':
      return TEXT;
    case 'command':
      return TEXT_LIST;
    case 'env':
      return TEXT_MAP;
    case 'image':
    case 'resources':
    case 'retry':
    case 'timeout':
    case 'foreach':
    case 'parallelism':
    case 'needs':
    case 'targets':
      return { mode: 'deploy', kind: field };
    default:
      return NONE;
  }
}

/** The span of a reference inside a scalar: exact on one-line scalars, the scalar's start otherwise. */
export function refSpan(node: LScalar, offset: number): Span {
  const s = node.span;
  const text = typeof node.value === 'string' ? node.value : '';
  const oneLine = s.endLine === undefined || s.endLine === s.line;
  if (!oneLine || text.includes('\n') || offset === 0) return offset === 0 ? { file: s.file, line: s.line, col: s.col + (node.quoted ? 1 : 0) } : { file: s.file, line: s.line, col: s.col };
  // Escapes in quoted scalars can shift columns; the position is still on the right line.
  return { file: s.file, line: s.line, col: s.col + (node.quoted ? 1 : 0) + offset };
}

/** A config value standing whole in run-time text: all of it literal. */
function escapeNode(node: LNode): LNode {
  if (node.kind === 'scalar') return typeof node.value === 'string' ? runTimeScalar(node, [{ kind: 'text', value: node.value }]) : node;
  return node;
}

/** Turns a resolved config value into a located tree standing where it was referenced. */
export function toLNode(value: Json, span: Span): LNode {
  if (Array.isArray(value)) return { kind: 'seq', span, items: value.map((v) => toLNode(v, span)) };
  if (value !== null && typeof value === 'object') return { kind: 'map', span, entries: Object.entries(value).map(([key, v]) => ({ key, keySpan: span, value: toLNode(v, span) })) };
  return { kind: 'scalar', span, value, quoted: typeof value === 'string' };
}

/** What copying a config value costs: its string and key bytes, and its values. */
function jsonCost(v: Json): Cost {
  if (v === null || typeof v !== 'object') return { bytes: typeof v === 'string' ? textBytes(v) : 0, nodes: 1 };
  let cost: Cost = { bytes: 0, nodes: 1 };
  if (Array.isArray(v)) for (const x of v) cost = addCost(cost, jsonCost(x));
  else for (const [k, x] of Object.entries(v)) cost = addCost(cost, { bytes: textBytes(k), nodes: 0 }, jsonCost(x));
  return cost;
}

function addCost(...costs: Cost[]): Cost {
  return costs.reduce((a, c) => ({ bytes: a.bytes + c.bytes, nodes: a.nodes + c.nodes }), { bytes: 0, nodes: 0 });
}

export function isScalar(v: Json): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

/** How a scalar reads inside a longer string: numbers as JavaScript prints them, null as `null`. */
export function formatScalar(v: string | number | boolean | null | Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function describeJson(v: Json): string {
  if (Array.isArray(v)) return `a list of ${v.length} item(s)`;
  if (v !== null && typeof v === 'object') return 'a map';
  return `the ${v === null ? 'null value' : typeof v} ${JSON.stringify(v)}`;
}

function describe(node: LNode): string {
  return node.kind === 'seq' ? 'a list' : node.kind === 'map' ? 'a map' : `the ${node.value === null ? 'null value' : typeof node.value} ${JSON.stringify(node.value)}`;
}
