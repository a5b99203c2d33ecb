import { createRequire } from 'node:module';
import type HandlebarsRuntime from 'handlebars';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { errorSpan } from './error-location.js';
import { splitTemplate, type TemplateMeta } from './front-matter.js';
import { HELPER_NAMES, makeHelpers, type HelperContext } from './helpers.js';
import type { TemplateView } from './view.js';

/**
 * Handlebars options for every template, in one place:
 * - `strict`: a field the context lacks is an error with its line, never an empty string;
 * - `noEscape`: output is code, not HTML; each helper escapes for its own language instead;
 * - `knownHelpersOnly`: a misspelt helper is a compile error, not a field lookup.
 * Prototype access stays at Handlebars' default since 4.6 (off): a template cannot reach
 * `constructor` or `__proto__` of anything in its context. https://handlebarsjs.com/api-reference/compilation.html
 */
const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  knownHelpersOnly: true,
  knownHelpers: Object.fromEntries(HELPER_NAMES.map((n) => [n, true])),
} as const;

/**
 * Handlebars, loaded on first use: every command imports the target registry, and only a compile
 * to a template target needs the template engine.
 */
let handlebars: typeof HandlebarsRuntime | undefined;
function loadHandlebars(): typeof HandlebarsRuntime {
  handlebars ??= createRequire(import.meta.url)('handlebars') as typeof HandlebarsRuntime;
  return handlebars;
}

export interface CompiledTemplate {
  file: string;
  meta: TemplateMeta;
  /** Renders the view; problems go to `ctx.report`. Returns undefined when rendering failed. */
  render(view: TemplateView, ctx: HelperContext, diagnostics: DiagnosticBag): string | undefined;
}

/**
 * Reads a template's front matter and compiles its body, reporting a bad front matter (FLOWC800)
 * or a syntax or compile error (FLOWC801) at the template's file:line:col. With `lazy` (the
 * built-in templates, which their tests compile), the body is compiled on first render instead,
 * so loading the registry costs only the front matter.
 */
export function compileTemplate(file: string, text: string, diagnostics: DiagnosticBag, options: { lazy?: boolean } = {}): CompiledTemplate | undefined {
  const split = splitTemplate(file, text, diagnostics);
  if (!split) return undefined;
  let template: HandlebarsTemplateDelegate | undefined;
  const build = (): HandlebarsTemplateDelegate => {
    const hbs = loadHandlebars().create();
    // precompile runs the whole compiler now (compile alone defers it to the first render), so a
    // template with a syntax error, a mismatched block or an unknown helper never loads.
    hbs.precompile(split.body, COMPILE_OPTIONS);
    return hbs.compile(split.body, COMPILE_OPTIONS);
  };
  if (!options.lazy) {
    try {
      template = build();
    } catch (e) {
      diagnostics.report('FLOWC801', `template syntax: ${firstLine(e)}`, errorSpan(file, split.body, e) ?? { file, line: 1, col: 1 }, problemNotes(e));
      return undefined;
    }
  }
  return {
    file,
    meta: split.meta,
    render(view, ctx, bag) {
      try {
        template ??= build();
      } catch (e) {
        bag.report('FLOWC801', `template syntax: ${firstLine(e)}`, errorSpan(file, split.body, e) ?? { file, line: 1, col: 1 }, problemNotes(e));
        return undefined;
      }
      try {
        const out = template(view, {
          helpers: makeHelpers(ctx),
          allowProtoPropertiesByDefault: false,
          allowProtoMethodsByDefault: false,
        });
        // The body starts with one line break per front matter line (so that Handlebars' line
        // numbers are the file's); they are template text, so the output starts with them.
        return out.slice(split.headLines);
      } catch (e) {
        const span = errorSpan(file, split.body, e);
        const notes = ['the context is the IR (docs/ir.md) plus options and target; see docs/templates.md'];
        // Handlebars locates strict-mode misses only; a path through null (`a.b` where `a` is
        // null) fails in its runtime without a line.
        if (!span) notes.unshift('Handlebars gives no line for this error; look for a path through a value that can be null (guard it with #if)');
        bag.report('FLOWC802', `template ${span ? 'reads a field its context does not have' : 'failed'}: ${firstLine(e)}`, span ?? { file, line: 1, col: 1 }, notes);
        return undefined;
      }
    },
  };
}

/** The message without Handlebars' own " - line:col" suffix (the diagnostic has the location). */
function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return (message.split('\n')[0] ?? '').replace(/ - \d+:\d+$/, '');
}

/** A parse error's excerpt and expectation, as notes under the message. */
function problemNotes(e: unknown): string[] {
  const message = e instanceof Error ? e.message : '';
  return message.split('\n').slice(1).filter((l) => l.startsWith('Expecting'));
}
