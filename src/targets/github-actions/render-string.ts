import type { IROutputRef, IRPart, IRString } from '../../ir/types.js';
import type { TemplatePart } from './expressions.js';
import { partVar, scriptText, type OutputSlot } from '../../ir/shell.js';
import { RUN_ID_EXPR } from './run-id.js';
import { findSlot, type ItemSlot } from './runtime-vars.js';

/**
 * Rendering an IRString for GitHub Actions, in the two places it can land (SPEC section 3:
 * run-time references are never pasted as text):
 * - in a job's shell (`run` scripts, exec-form argv): run-time parts become shell expansions of
 *   environment variables (`${FLOWC_PARAM_ALPHA}`), never `${{ }}` expression text, so a value
 *   cannot change the script (GitHub's script-injection guidance,
 *   https://docs.github.com/en/actions/reference/security/secure-use#use-an-intermediate-environment-variable);
 * - in an `env:` value: run-time parts become expressions (`${{ inputs.alpha }}`), which GitHub
 *   substitutes as data.
 */
export interface RenderScope {
  /** The step's id as written in the flow (`${step.name}`). */
  stepId: string;
  /** The flow's name (`${flow.name}`). */
  flowName: string;
  /** The step's foreach item slots (empty outside a foreach step). */
  slots: readonly ItemSlot[];
  /** The expression for a parameter's value as text (defaults applied). */
  paramExpr: (name: string) => string;
  /** The env variables that carry the step outputs the step's script or argv reads (src/ir/shell.ts). */
  outputSlots: readonly OutputSlot[];
  /** The expression for a step output's value (`needs.<job>.outputs.<name>`, outputs.ts). */
  outputExpr: (ref: IROutputRef) => string;
}

/** The environment variable a job's shell reads a run-time part from (the shared naming). */
export function shellVar(part: Exclude<IRPart, { kind: 'lit' }>, scope: RenderScope): string {
  return partVar(part, scope.slots, scope.outputSlots);
}

/**
 * A `run` script as shell text: literal parts exactly as written (they are the user's shell
 * code), run-time parts as `${VAR}` expansions at the place the reference stood.
 */
export function shellScript(s: IRString, scope: RenderScope): string {
  return scriptText(s, (p) => shellVar(p, scope));
}

/** Characters that never need quoting in a POSIX shell word (`=` is handled for the command name). */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** Words the shell would read as syntax in command position (POSIX and bash reserved words). */
const RESERVED = new Set(['!', '{', '}', 'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'if', 'in', 'then', 'until', 'while', 'select', 'function', 'time', '[[', ']]']);

/** A literal as one shell word piece: bare when it is plainly safe, else single-quoted. */
export function quoteLiteral(text: string): string {
  if (SAFE_WORD.test(text)) return text;
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * One exec-form argv element as a shell word that expands to exactly that element: literal
 * pieces single-quoted (or bare when safe), run-time pieces as `"${VAR}"` (double quotes, so no
 * word splitting or globbing). `commandName` marks argv[0], where `=` or a reserved word would
 * change the meaning.
 */
export function shellWord(s: IRString, scope: RenderScope, commandName = false): string {
  if (s.length === 0) return "''";
  // Most words are one piece: no list of pieces to join.
  if (s.length === 1) return wordPiece(s[0] as IRPart, scope, commandName);
  return s.map((p) => wordPiece(p, scope, commandName)).join('');
}

function wordPiece(p: IRPart, scope: RenderScope, commandName: boolean): string {
  if (p.kind !== 'lit') return `"\${${shellVar(p, scope)}}"`;
  if (commandName && (p.value.includes('=') || RESERVED.has(p.value))) return `'${p.value.replaceAll("'", `'\\''`)}'`;
  return quoteLiteral(p.value);
}

/** An exec-form command line: each argv element as one shell word. */
export function shellCommand(argv: readonly IRString[], scope: RenderScope): string {
  return argv.map((a, i) => shellWord(a, scope, i === 0)).join(' ');
}

/** An env value as template parts: literals as text, run-time parts as GitHub expressions. */
export function envTemplate(s: IRString, scope: RenderScope): TemplatePart[] {
  const out: TemplatePart[] = [];
  for (const p of s) {
    switch (p.kind) {
      case 'lit':
        out.push({ kind: 'text', text: p.value });
        break;
      case 'param':
        out.push({ kind: 'expr', expr: scope.paramExpr(p.name) });
        break;
      case 'item':
        out.push({ kind: 'expr', expr: `matrix.${findSlot(scope.slots, p.path)?.matrixKey ?? 'item'}` });
        break;
      case 'run':
        // One id for the whole run, re-runs included, and per call under workflow_call (run-id.ts).
        out.push({ kind: 'expr', expr: RUN_ID_EXPR });
        break;
      case 'flow':
        out.push({ kind: 'text', text: scope.flowName });
        break;
      case 'step':
        out.push({ kind: 'text', text: scope.stepId });
        break;
      case 'output':
        out.push({ kind: 'expr', expr: scope.outputExpr({ step: p.step, output: p.output }) });
        break;
    }
  }
  return out;
}
