import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * ajv and ajv-formats for compiling user config schemas, from the one-file bundle the build step
 * writes (scripts/bundle-cli.mjs) when it is there, else from node_modules. Loading ajv's ~60
 * CommonJS files one by one was a good part of a cold compile of a flow with a config schema.
 * All come from the same place: ajv-formats and ajv's standalone writer (src/validators/
 * schema-cache.ts) build code with ajv's codegen classes, which must be the very classes of the Ajv
 * they work on.
 */
export const BUNDLED_AJV_URL = new URL('../../dist/bundle/ajv.cjs', import.meta.url);

/** What the bundle exports, by the id it replaces. */
export const BUNDLED_AJV_IDS = ['ajv', 'ajv/dist/2019.js', 'ajv/dist/2020.js', 'ajv-formats', 'ajv/dist/standalone/index.js'] as const;
export type AjvModuleId = (typeof BUNDLED_AJV_IDS)[number];

const requireCjs = createRequire(import.meta.url);
let bundle: Record<string, unknown> | null | undefined;

/**
 * The bundle runs with its V8 code cache through the bin's loader (bin/load-bundle.cjs, two
 * folders up from src/ and dist/ alike): a first compile of a config schema parses less.
 */
function loadBundled(file: string): unknown {
  let loader: { loadBundledAjv: (file: string) => unknown } | undefined;
  try {
    loader = requireCjs('../../bin/load-bundle.cjs') as typeof loader;
  } catch {
    loader = undefined;
  }
  return (loader?.loadBundledAjv ?? requireCjs)(file);
}

export function loadAjvModule(id: AjvModuleId): unknown {
  if (bundle === undefined) {
    try {
      bundle = loadBundled(fileURLToPath(BUNDLED_AJV_URL)) as Record<string, unknown>;
    } catch (e) {
      // Not bundled (dist from plain `tsc`, or no rolldown): the packages themselves.
      if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND' && (e as { code?: string }).code !== 'ENOENT') throw e;
      bundle = null;
    }
  }
  return bundle?.[id] ?? requireCjs(id);
}
