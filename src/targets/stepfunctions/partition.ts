import type { DiagnosticBag } from '../../diagnostics/diagnostic.js';
import type { Span } from '../../source/span.js';

/**
 * The AWS partition every ARN flowc builds carries (`arn:PARTITION:...`): `aws`, `aws-cn`
 * (China), `aws-us-gov` (GovCloud) and the isolated partitions. A `arn:aws:` ARN is refused in
 * the other partitions, so the partition is taken from what the options say
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html).
 */
export const DEFAULT_PARTITION = 'aws';

/** Region name prefixes of the partitions other than `aws` (longest first: `us-isob-` before `us-iso-`). */
const REGION_PREFIXES: [string, string][] = [
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-iso-', 'aws-iso'],
  ['us-gov-', 'aws-us-gov'],
  ['cn-', 'aws-cn'],
];

export function partitionOfRegion(region: string): string {
  return REGION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? DEFAULT_PARTITION;
}

export function partitionOfArn(arn: string): string | null {
  return /^arn:([a-z-]+):/.exec(arn)?.[1] ?? null;
}

/** Where a partition was read from, for the message when two disagree. */
interface Evidence {
  partition: string;
  from: string;
}

/**
 * The partition of the target's options: the explicit `partition`, the `region`'s, and every ARN
 * given anywhere in `targets.stepfunctions` (and in `extra`: steps' own options, secret locators) must agree (FLOWC626 when not); `aws` when none says.
 */
export function resolvePartition(o: { options: unknown; extra?: { value: unknown; path: string }[]; span: Span; diagnostics: DiagnosticBag }): string {
  const evidence: Evidence[] = [];
  const visit = (v: unknown, path: string) => {
    if (typeof v === 'string') {
      const p = v.startsWith('arn:') ? partitionOfArn(v) : null;
      if (p) evidence.push({ partition: p, from: `${path} '${v}'` });
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (path === '' && k === 'partition' && typeof x === 'string') evidence.unshift({ partition: x, from: `partition '${x}'` });
        else if (path === '' && k === 'region' && typeof x === 'string') evidence.push({ partition: partitionOfRegion(x), from: `region '${x}'` });
        else visit(x, path === '' ? k : `${path}.${k}`);
      }
    }
  };
  visit(o.options, '');
  for (const e of o.extra ?? []) visit(e.value, e.path);
  const first = evidence[0];
  if (!first) return DEFAULT_PARTITION;
  const other = evidence.find((e) => e.partition !== first.partition);
  if (other) {
    o.diagnostics.report(
      'FLOWC626',
      `the options name two AWS partitions: ${first.from} is in '${first.partition}', ${other.from} is in '${other.partition}'; one state machine runs in one partition`,
      o.span,
    );
  }
  return first.partition;
}
