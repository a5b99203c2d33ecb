import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { suggestionNotes } from '../diagnostics/suggest.js';
import type { WrittenFlow } from '../flow/ast.js';
import { nodeAtPointer } from '../source/pointer.js';
import { toJson, type LNode } from '../source/tree.js';
import { findTarget } from '../targets/index.js';
import type { Target } from '../targets/target.js';
import { validatorFor as prebuiltOrCompiled } from '../validators/prebuilt.js';
import { checkStepTargetOptions } from './step-target-options.js';

// Keyed by the schema object itself: one validator per schema, whatever target carries it.
const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    v = prebuiltOrCompiled('target-options', schema as AnySchemaObject);
    compiled.set(schema, v);
  }
  return v;
}

/**
 * Each `targets.<id>` map matches that target's option schema (FLOWC601), checked after
 * interpolation so a config-fed option is checked with its real value, and reported where it was
 * written (or referenced).
 */
export function checkTargetOptions({ flow, diagnostics }: { flow: WrittenFlow; diagnostics: DiagnosticBag }): void {
  for (const t of flow.targets) {
    const target = findTarget(t.id);
    if (!target) continue;
    const path = `targets.${t.id}`;
    if (checkOptionsNode({ target, node: t.node, path, diagnostics })) {
      target.checkWrittenOptions?.({ node: t.node, effective: t.node, path, secretNames: flow.secrets.map((s) => s.name), diagnostics });
    }
  }
  checkStepTargetOptions({ flow, diagnostics });
}

export interface CheckOptionsRequest {
  target: Target;
  /** The options as located nodes (for a step, its overrides merged over the flow's). */
  node: LNode;
  /** How the options are named in messages: `targets.argo`, `steps.train.targets.argo`. */
  path: string;
  diagnostics: DiagnosticBag;
}

/** Checks one options map against the target's options schema (FLOWC601); true when it passed. */
export function checkOptionsNode({ target, node, path: base, diagnostics }: CheckOptionsRequest): boolean {
  if (!target.optionsSchema) return true;
  const validate = validatorFor(target.optionsSchema);
  if (validate(toJson(node))) return true;
  for (const err of dedupe(validate.errors ?? [])) {
    const at = nodeAtPointer(node, err.instancePath);
    const path = `${base}${err.instancePath.replaceAll('/', '.')}`;
    if (err.keyword === 'additionalProperties') {
      const extra = String((err.params as { additionalProperty: string }).additionalProperty);
      const entry = at.node.kind === 'map' ? at.node.entries.find((e) => e.key === extra) : undefined;
      const allowed = Object.keys(((target.optionsSchema as { properties?: object }).properties ?? {}) as object);
      diagnostics.report('FLOWC601', `${path}: unknown option '${extra}' for target ${target.id}`, entry?.keySpan ?? at.node.span, suggestionNotes(extra, allowed));
    } else if (err.keyword === 'propertyNames') {
      // ajv also reports what is wrong with the key itself (below, with `propertyName`); one error per key.
      continue;
    } else if ((err as { propertyName?: string }).propertyName !== undefined) {
      const key = (err as { propertyName: string }).propertyName;
      const entry = at.node.kind === 'map' ? at.node.entries.find((e) => e.key === key) : undefined;
      diagnostics.report('FLOWC601', `${path}: key '${key}' ${err.message ?? 'is invalid'}`, entry?.keySpan ?? at.node.span);
    } else {
      diagnostics.report('FLOWC601', `${path} ${err.message ?? 'is invalid'}`, at.node.span);
    }
  }
  return false;
}

/** ajv reports one error per failed branch of an anyOf; keep the first per location and keyword. */
function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') return false;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
