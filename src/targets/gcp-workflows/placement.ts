import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IR } from '../../ir/types.js';
import type { Json } from '../../source/tree.js';
import type { Span } from '../../source/span.js';
import { DEFAULT_GPU_TYPE, readStepOptions } from './options.js';

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
 * The one fit check that needs the IR: a GPU step whose machine type is set (by the flow or the
 * step) while no level names a `gpuType`, so the job would get the default GPU type
 * (FLOWC649). Explicit pairs and zones are checked where they are written (written-options.ts).
 * Reported at the step when the step sets the machine type, else once at the flow.
 */
export function checkDefaultGpuFit(ir: IR, diagnostics: DiagnosticBag, flowSpan: Span): void {
  const flowRaw = raw(ir.targets['gcp-workflows']);
  if (flowRaw.gpuType !== undefined) return;
  let flowReported = false;
  for (const step of ir.steps) {
    const mine = raw(step.targets['gcp-workflows']);
    if (step.resources.gpu === 0 || mine.gpuType !== undefined) continue;
    const merged = readStepOptions(ir, step);
    const problem = merged.machineType ? gpuMismatch(DEFAULT_GPU_TYPE, merged.machineType) : undefined;
    if (!problem) continue;
    const own = mine.machineType !== undefined;
    if (!own && flowReported) continue;
    flowReported ||= !own;
    diagnostics.report(
      'FLOWC649',
      `${own ? `steps.${step.id}.targets.gcp-workflows` : 'targets.gcp-workflows'}: step '${step.id}' has ${step.resources.gpu === 1 ? 'a GPU' : `${step.resources.gpu} GPUs`} and no gpuType, so the default ${problem}`,
      own ? { file: step.origin.file, line: step.origin.line, col: step.origin.col } : flowSpan,
      [`set gpuType to a GPU of that machine series; GPU machine types: ${GPU_MACHINES_DOC}`],
    );
  }
}
