import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR, IRStep } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import type { Span } from '../../source/span.js';
import { DEFAULT_GPU_TYPE, type GcpOptions, readOptions, readStepOptions } from './options.js';

/** Google's table of which machine series each GPU attaches to. */
export const GPU_MACHINES_DOC = 'https://cloud.google.com/compute/docs/gpus';

/**
 * The machine types each GPU type runs on (GPU_MACHINES_DOC): A100 40GB on A2 Standard
 * (a2-highgpu, a2-megagpu), A100 80GB on A2 Ultra, H100 on A3, L4 on G2, and the older T4, V100,
 * P100, P4 (and K80) attached to N1 machines. A GPU type not listed here is not checked.
 */
const GPU_FAMILIES: Record<string, { series: string; prefixes: string[] }> = {
  'nvidia-tesla-a100': { series: 'A2 Standard', prefixes: ['a2-highgpu-', 'a2-megagpu-'] },
  'nvidia-a100-80gb': { series: 'A2 Ultra', prefixes: ['a2-ultragpu-'] },
  'nvidia-h100-80gb': { series: 'A3 High or Edge', prefixes: ['a3-highgpu-', 'a3-edgegpu-'] },
  'nvidia-h100-mega-80gb': { series: 'A3 Mega', prefixes: ['a3-megagpu-'] },
  'nvidia-l4': { series: 'G2', prefixes: ['g2-'] },
  'nvidia-tesla-t4': { series: 'N1', prefixes: ['n1-'] },
  'nvidia-tesla-v100': { series: 'N1', prefixes: ['n1-'] },
  'nvidia-tesla-p100': { series: 'N1', prefixes: ['n1-'] },
  'nvidia-tesla-p4': { series: 'N1', prefixes: ['n1-'] },
  'nvidia-tesla-k80': { series: 'N1', prefixes: ['n1-'] },
};

/** Why `gpuType` cannot run on `machineType`, or undefined when it can (or is not in the table). */
export function gpuMismatch(gpuType: string, machineType: string): string | undefined {
  const family = GPU_FAMILIES[gpuType];
  if (!family || family.prefixes.some((p) => machineType.startsWith(p))) return undefined;
  return `gpuType ${gpuType} runs only on ${family.series} machine types (${family.prefixes.map((p) => `${p}*`).join(', ')}), not on machineType ${machineType}`;
}

/** The region of a zone: `us-central1-a` is in `us-central1`. */
export const zoneRegion = (zone: string): string => zone.replace(/-[a-z]$/, '');

const raw = (v: Json | undefined): Record<string, Json> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});

/**
 * Placement options that Batch would refuse only at run time, checked where they are set: the flow's
 * `targets.gcp-workflows` (reported at the flow) and each step's own (reported at the step).
 * - FLOWC649: a GPU type on a machine type it does not attach to (GPU_MACHINES_DOC).
 * - FLOWC650: a zone outside the region of the jobs; Batch's `allowedLocations` must lie in the
 *   job's region (https://cloud.google.com/batch/docs/reference/rest/v1/projects.locations.jobs#LocationPolicy).
 */
export function checkPlacement(ir: IR, diagnostics: DiagnosticBag, flowSpan: Span): void {
  const flowRaw = raw(ir.targets['gcp-workflows']);
  const flow = readOptions(ir);
  const own = (s: IRStep): Record<string, Json> => raw(s.targets['gcp-workflows']);
  const inheritsPair = (s: IRStep): boolean => s.resources.gpu > 0 && own(s).machineType === undefined && own(s).gpuType === undefined;
  if (flow.machineType && (flowRaw.gpuType !== undefined || ir.steps.some(inheritsPair))) {
    gpuFit(flow, `targets.gcp-workflows`, flowSpan, diagnostics);
  }
  if (flowRaw.allowedZones !== undefined) zonesFit(flow, 'targets.gcp-workflows', flowSpan, diagnostics);
  for (const step of ir.steps) {
    const mine = own(step);
    const merged = readStepOptions(ir, step);
    const span = { file: step.origin.file, line: step.origin.line, col: step.origin.col };
    const where = `steps.${step.id}.targets.gcp-workflows`;
    const pairSet = mine.machineType !== undefined || mine.gpuType !== undefined;
    const gpuChosen = step.resources.gpu > 0 || mine.gpuType !== undefined || flowRaw.gpuType !== undefined;
    if (pairSet && merged.machineType && gpuChosen) gpuFit(merged, where, span, diagnostics);
    if (mine.allowedZones !== undefined) zonesFit(merged, where, span, diagnostics);
  }
}

function gpuFit(o: GcpOptions, where: string, span: Span, diagnostics: DiagnosticBag): void {
  const problem = gpuMismatch(o.gpuType ?? DEFAULT_GPU_TYPE, o.machineType as string);
  if (problem) diagnostics.report('FLOWC649', `${where}: ${problem}`, span, [`GPU machine types: ${GPU_MACHINES_DOC}`]);
}

function zonesFit(o: GcpOptions, where: string, span: Span, diagnostics: DiagnosticBag): void {
  const zones = o.allowedZones ?? [];
  const region = o.region ?? zoneRegion(zones[0] as string);
  const outside = zones.filter((z) => zoneRegion(z) !== region);
  if (outside.length === 0) return;
  const why = o.region ? `the jobs run in region ${region} (option region)` : `the zones must share one region, and ${zones[0]} is in ${region}`;
  diagnostics.report('FLOWC650', `${where}.allowedZones: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside region ${region}; ${why}`, span, [
    'Batch places a job only in zones of the region it is created in',
  ]);
}
