import { DiagnosticBag, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { SourceRegistry } from '../../src/source/files.js';
import { parseYamlTree } from '../../src/source/yaml.js';
import { checkFlowShape } from '../../src/flow/schema-check.js';
import { TARGET_ALIASES } from '../../src/targets/index.js';

export const FLOW_FILE = '/flows/demo.flow.yaml';

/** Parses YAML text and runs the shape check, with the registry's target aliases as the pipeline passes them; returns the verdict and every diagnostic. */
export function shape(text: string): { ok: boolean; diagnostics: Diagnostic[] } {
  const sources = new SourceRegistry();
  const src = sources.add(FLOW_FILE, text);
  const bag = new DiagnosticBag();
  const tree = parseYamlTree(src, bag);
  if (!tree) return { ok: false, diagnostics: bag.items };
  const ok = checkFlowShape(tree, bag, { targetAliases: TARGET_ALIASES });
  return { ok, diagnostics: bag.items };
}

/** Compact form for assertions: `CODE line:col message`. */
export function brief(d: Diagnostic): string {
  return `${d.code} ${d.span?.line}:${d.span?.col} ${d.message}`;
}

/** A minimal valid flow with extra lines appended under `steps.a` or at the top. */
export function flow(top: string, stepA = '    run: echo hi'): string {
  return `flowc: 1\nname: demo\n${top}${top && !top.endsWith('\n') ? '\n' : ''}steps:\n  a:\n${stepA}\n`;
}
