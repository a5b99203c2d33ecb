import { dirname } from 'node:path';
import { lockProvenance } from '../config/lock.js';
import type { ResolvedConfigs } from '../config/types.js';
import type { IR } from '../ir/types.js';
import type { Json } from '../source/tree.js';
import { jsonWithVisibleText } from '../source/visible-text.js';
import type { Artifact } from '../targets/target.js';
import { relativeTo } from './paths.js';

export const LOCKFILE_VERSION = 1;

/**
 * `<name>.config.lock.json` (SPEC section 7): the flowc version, the flow file's hash, every
 * declared config as resolved, the config hash, and where every leaf came from. Paths are relative
 * to the flow file's folder, so the lockfile is the same on every machine.
 */
export function buildLockfile(options: { ir: IR; resolved: ResolvedConfigs; flowFile: string }): Artifact {
  const { ir, resolved } = options;
  const relativize = (p: string) => relativeTo(dirname(options.flowFile), p);
  const provenance = lockProvenance({ resolved, relativize });
  const configs: Record<string, Json> = {};
  for (const name of Object.keys(resolved.values).sort()) {
    const entry: { [k: string]: Json } = { values: resolved.values[name] as Json, provenance: provenance[name] ?? [] };
    // Values flowc never writes (docs/security.md): that each was redacted, why, and a hash of it.
    const redacted = resolved.tainted?.[name] ?? [];
    if (redacted.length > 0) entry.redacted = redacted.map((t) => ({ path: t.path, reason: t.reason === 'schema' ? 'secret: true' : `credential env ${t.envName}`, sha256: t.sha256 }));
    configs[name] = entry;
  }
  const lock = {
    lockfileVersion: LOCKFILE_VERSION,
    flowcVersion: ir.flowcVersion,
    flow: { name: ir.flow.name, file: ir.flow.source, sha256: ir.flow.sourceHash },
    configHash: ir.config.hash,
    configs,
  };
  return { path: `${ir.flow.name}.config.lock.json`, contents: `${jsonWithVisibleText(JSON.stringify(lock, null, 2))}\n` };
}
