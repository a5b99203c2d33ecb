import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { usedSecrets } from '../ir/secrets.js';
import type { IR, IROrigin } from '../ir/types.js';
import type { Target } from '../targets/target.js';

/**
 * Secrets reach a step only through the engine's own mechanism (SPEC section 8), so before a
 * target renders a flow whose steps use secrets: the target must declare it can render them
 * (`Target.secrets`, else FLOWC607 at the first use), and every secret used must have a locator
 * for it that the target accepts (FLOWC608 at the secret's declaration). Origins are relative to
 * the flow's folder, like every target diagnostic.
 */
export function checkTargetSecrets({ ir, target, diagnostics }: { ir: IR; target: Target; diagnostics: DiagnosticBag }): void {
  const used = usedSecrets(ir);
  if (used.length === 0) return;
  const support = target.secrets;
  if (!support) {
    const first = ir.steps.flatMap((s) => s.secretEnv.map((e) => ({ step: s.id, e })))[0];
    const names = used.map((s) => s.name).join(', ');
    diagnostics.report(
      'FLOWC607',
      `target ${target.id} cannot render secrets yet, and this flow's steps use ${used.length === 1 ? 'secret' : 'secrets'} ${names}${first ? ` (first in steps.${first.step}.env.${first.e.name})` : ''}`,
      first ? span(first.e.origin) : undefined,
      ['flowc never falls back to pasting a secret as text; compile this flow for a target that renders secrets'],
    );
    return;
  }
  if (support.locator === null) return;
  for (const s of used) {
    const locator = Object.hasOwn(s.locators, target.id) ? s.locators[target.id] : undefined;
    if (locator === undefined) {
      diagnostics.report('FLOWC608', `secret '${s.name}' has no locator for target ${target.id}`, span(s.origin), [
        `add secrets.${s.name}.${target.id}: ${support.locator}`,
      ]);
      continue;
    }
    const problem = support.checkLocator?.(locator);
    if (problem !== undefined) {
      diagnostics.report('FLOWC608', `secrets.${s.name}.${target.id}: ${problem}`, span(s.origin), [`${target.engine} expects ${support.locator}`]);
    }
  }
}

function span(o: IROrigin): { file: string; line: number; col: number } {
  return { file: o.file, line: o.line, col: o.col };
}
