import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { IRStep } from '../../ir/types.js';
import { originSpan } from './origin.js';

/**
 * A valid GitHub Actions job id: starts with a letter or `_`, then letters, digits, `-` and `_`
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_id).
 * Every other character becomes `_`; a leading digit or `-` gets a `_` prefix.
 */
export function sanitizeJobId(id: string): string {
  const body = id.replace(/[^A-Za-z0-9_-]/g, '_');
  return /^[A-Za-z_]/.test(body) ? body : `_${body}`;
}

/**
 * Job ids for every step, by step id. GitHub compares job ids without regard to case, so two
 * steps whose sanitized ids differ only in case also collide (FLOWC602).
 */
export function assignJobIds(steps: readonly IRStep[], diagnostics: DiagnosticBag): Map<string, string> {
  const ids = new Map<string, string>();
  const owner = new Map<string, IRStep>();
  for (const step of steps) {
    const jobId = sanitizeJobId(step.id);
    const key = jobId.toLowerCase();
    const first = owner.get(key);
    if (first) {
      diagnostics.report(
        'FLOWC602',
        `steps '${first.id}' and '${step.id}' both become the GitHub Actions job id '${jobId}' (job ids allow letters, digits, '-' and '_', and ignore case)`,
        originSpan(step.origin),
      );
      continue;
    }
    owner.set(key, step);
    ids.set(step.id, jobId);
  }
  return ids;
}
