import { suggestionNotes } from '../../diagnostics/suggest.js';
import type { LMapEntry, LNode } from '../../source/tree.js';
import type { WrittenOptionsCheck } from '../target.js';
import { GPU_MACHINES_DOC, gpuMismatch, zoneRegion } from './placement.js';

/**
 * Checks of `targets.gcp-workflows` (the flow's or a step's) reported where each value was written:
 * - FLOWC649: an explicit `gpuType` on a `machineType` it does not attach to, when this level sets
 *   either (the default GPU type on a GPU step needs the step's resources: placement.ts);
 * - FLOWC650: an `allowedZones` zone set here that is outside the region of the jobs;
 * - FLOWC651: a `registryCredentials` field that names no flow secret (with did-you-mean).
 */
export function checkWrittenOptions({ node, effective, path, secretNames, diagnostics }: WrittenOptionsCheck): void {
  const machine = entry(effective, 'machineType');
  const gpu = entry(effective, 'gpuType');
  const mine = entry(node, 'machineType') ?? entry(node, 'gpuType');
  if (mine && machine && gpu) {
    const problem = gpuMismatch(String(scalar(gpu.value)), String(scalar(machine.value)));
    // Point at what this level wrote: its gpuType, else its machineType.
    const at = (entry(node, 'gpuType') ?? entry(node, 'machineType')) as LMapEntry;
    if (problem) diagnostics.report('FLOWC649', `${path}: ${problem}`, at.value.span, [`GPU machine types: ${GPU_MACHINES_DOC}`]);
  }
  const zones = entry(node, 'allowedZones');
  if (zones?.value.kind === 'seq') {
    const region = scalar(entry(effective, 'region')?.value);
    const items = zones.value.items.filter((z): z is LNode & { kind: 'scalar' } => z.kind === 'scalar' && typeof z.value === 'string');
    const expected = typeof region === 'string' ? region : zoneRegion(String(items[0]?.value ?? ''));
    for (const z of items) {
      const zone = String(z.value);
      if (zoneRegion(zone) === expected) continue;
      const why = typeof region === 'string' ? `the jobs run in region ${expected} (option region)` : `the zones must share one region, and ${String(items[0]?.value)} is in ${expected}`;
      diagnostics.report('FLOWC650', `${path}.allowedZones: ${zone} is outside region ${expected}; ${why}`, z.span, ['Batch places a job only in zones of the region it is created in']);
    }
  }
  const creds = entry(node, 'registryCredentials');
  for (const field of ['username', 'password'] as const) {
    const e = creds ? entry(creds.value, field) : undefined;
    const name = scalar(e?.value);
    if (!e || typeof name !== 'string' || secretNames.includes(name)) continue;
    diagnostics.report('FLOWC651', `${path}.registryCredentials.${field}: '${name}' is not a secret of this flow`, e.value.span, [
      ...suggestionNotes(name, secretNames),
      secretNames.length > 0 ? `the flow's secrets: ${secretNames.join(', ')}` : 'declare it under secrets: with a gcp-workflows locator',
      'the value names a key of the flow\'s secrets:, never the credential itself',
    ]);
  }
}

function entry(node: LNode | undefined, key: string): LMapEntry | undefined {
  return node?.kind === 'map' ? node.entries.find((e) => e.key === key) : undefined;
}

const scalar = (node: LNode | undefined): unknown => (node?.kind === 'scalar' ? node.value : undefined);
