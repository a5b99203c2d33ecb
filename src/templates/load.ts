import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import { compileTemplate } from './compile-template.js';
import { brokenTemplateTarget, templateTarget, type TemplateTarget } from './target.js';

/**
 * Where template targets come from: the package's top-level `targets/` folder (built in, listed
 * by `flowc targets`) and any path ending in `.hbs` given as a target. Templates are read here,
 * once, so the `Target` a template becomes stays pure like every other target.
 */

/** The package's `targets/` folder, from `src/templates` (tests) and `dist/templates` alike. */
export const BUILTIN_TEMPLATE_DIR = fileURLToPath(new URL('../../targets/', import.meta.url));

/**
 * Every built-in template as a target, in file name order; their bodies are compiled on first use
 * (test/templates compile each). A built-in template whose front matter does not load is a bug in
 * flowc, so this throws rather than reports.
 */
export function builtinTemplateTargets(): TemplateTarget[] {
  const names = readdirSync(BUILTIN_TEMPLATE_DIR).filter((n) => n.endsWith('.hbs')).sort();
  return names.map((name) => {
    const file = join(BUILTIN_TEMPLATE_DIR, name);
    const diagnostics = new DiagnosticBag();
    const compiled = compileTemplate(file, readFileSync(file, 'utf8'), diagnostics, { lazy: true });
    if (!compiled || diagnostics.hasErrors()) {
      throw new Error(`built-in template targets/${name} does not load: ${diagnostics.items.map((d) => `${d.code} ${d.span?.line}:${d.span?.col} ${d.message}`).join('; ')}`);
    }
    return templateTarget(compiled, `targets/${name}`);
  });
}

/**
 * A user's template (`--target path/to/name.ext.hbs`, relative to the working directory) as a
 * target. One that cannot be read or does not compile becomes a target that reports why
 * (FLOWC803, FLOWC800, FLOWC801) at the template's location; so does one whose name is taken by
 * another target (`taken`), since `targets.<name>` options and `--target <name>` must mean one thing.
 */
export function loadTemplateTarget(path: string, taken: (name: string) => boolean): TemplateTarget {
  const file = resolve(path);
  const diagnostics = new DiagnosticBag();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : ((e as Error).message.split('\n')[0] ?? 'unreadable');
    diagnostics.report('FLOWC803', `template target ${path} cannot be read: ${reason}`, { file, line: 1, col: 1 });
    return brokenTemplateTarget(path, path, diagnostics);
  }
  const compiled = compileTemplate(file, text, diagnostics);
  if (!compiled) return brokenTemplateTarget(path, path, diagnostics);
  if (taken(compiled.meta.name)) {
    diagnostics.report('FLOWC800', `template front matter: name '${compiled.meta.name}' is already a target; give ${basename(file)} a name of its own`, compiled.meta.nameSpan);
    return brokenTemplateTarget(path, path, diagnostics);
  }
  return templateTarget(compiled, path);
}
