import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceRegistry } from '../source/files.js';
import type { Artifact } from '../targets/target.js';
import { cloudDiagnostic } from './cloud-errors.js';
import type { DeployChange, DeployResult } from './types.js';

/** Thrown inside a deployer to stop at the first failed call; becomes the result's diagnostic. */
export class DeployStop extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** Collects what a deploy did, and turns a failed cloud call into a diagnostic. */
export class DeployRun {
  readonly changes: DeployChange[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly deployed: Record<string, string> = {};

  constructor(readonly dryRun: boolean) {}

  change(c: DeployChange): void {
    this.changes.push(c);
  }

  /** Runs one SDK call; its failure stops the deploy with a coded diagnostic. */
  async call<T>(doing: string, f: () => Promise<T>, extra: { hint?: string; permission?: string } = {}): Promise<T> {
    try {
      return await f();
    } catch (error) {
      if (error instanceof DeployStop) throw error;
      throw new DeployStop(cloudDiagnostic({ error, doing, ...extra }));
    }
  }

  result(o: { target: string; name: string; configHash?: string; artifacts: Artifact[]; sources: SourceRegistry; diagnostics?: Diagnostic[] }): DeployResult {
    const diagnostics = [...(o.diagnostics ?? []), ...this.diagnostics];
    const r: DeployResult = {
      ok: !diagnostics.some((d) => d.severity === 'error'),
      target: o.target,
      name: o.name,
      dryRun: this.dryRun,
      artifacts: o.artifacts,
      changes: this.changes,
      diagnostics,
      sources: o.sources,
    };
    if (o.configHash !== undefined) r.configHash = o.configHash;
    if (Object.keys(this.deployed).length > 0) r.deployed = this.deployed;
    return r;
  }
}
