import { jsonWithVisibleText } from '../../source/visible-text.js';
import type { Target } from '../target.js';

/** `--target ir`: the IR itself, as pretty JSON (its shape is `schemas/ir.schema.json`). */
export const irTarget: Target = {
  id: 'ir',
  aliases: [],
  description: 'the intermediate representation, as JSON (schemas/ir.schema.json)',
  engine: 'flowc IR',
  files: ['<name>.ir.json'],
  optionsSchema: null,
  limits: null,
  // The IR holds secret references (name and locators), never values, so printing it is safe.
  secrets: { locator: null },
  // The IR carries outputs and their references as they are (IRStep.outputs, output parts, IRForeach.from).
  stepOutputs: true,
  compile(ir) {
    return [{ path: `${ir.flow.name}.ir.json`, contents: `${jsonWithVisibleText(JSON.stringify(ir, null, 2))}\n`, primary: true }];
  },
};
