import { itemValueAt, valueText } from '../ir/items.js';
import type { IRString } from '../ir/types.js';
import type { Json } from '../source/tree.js';
import type { ParamValue } from './params.js';

/** What the run-time parts of a string mean for one local task. */
export interface RenderContext {
  params: Record<string, ParamValue>;
  runId: string;
  flowName: string;
  stepId: string;
  /** The task's foreach item; undefined for a plain step. */
  item?: Json;
  /** The text of `${steps.<step>.outputs.<output>}` (docs/outputs.md); throws for one not published. */
  output: (step: string, output: string) => string;
}

/**
 * An IR string as the text a target would hand the process: each part formatted as docs/ir.md
 * says (strings as they are, other values as canonical JSON; a missing item path is empty).
 */
export function renderString(s: IRString, ctx: RenderContext): string {
  let text = '';
  for (const part of s) {
    switch (part.kind) {
      case 'lit':
        text += part.value;
        break;
      case 'param':
        text += valueText(ctx.params[part.name]);
        break;
      case 'item':
        text += ctx.item === undefined ? '' : valueText(itemValueAt(ctx.item, part.path));
        break;
      case 'run':
        text += ctx.runId;
        break;
      case 'flow':
        text += ctx.flowName;
        break;
      case 'step':
        text += ctx.stepId;
        break;
      case 'output':
        text += ctx.output(part.step, part.output);
        break;
    }
  }
  return text;
}
