import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { compileTargets } from '../../../src/pipeline/compile.js';
import type { IR, IRSecret } from '../../../src/ir/types.js';
import { SourceRegistry } from '../../../src/source/files.js';
import { stepFunctionsTarget } from '../../../src/targets/stepfunctions/index.js';
import type { Artifact } from '../../../src/targets/target.js';
import { aslErrors, compile, findState, makeIR, runMachine, step, taskStates } from './helpers.js';
import { batchFileProblems } from './register-job-definition.js';

const HF = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hf-AbCdEf';
const GHCR = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:ghcr-XyZ123';
const SSM = 'arn:aws:ssm:us-east-1:123456789012:parameter/ml/hf-token';
const EXEC = 'arn:aws:iam::123456789012:role/batch-exec';
const STEP_AT = { file: 'flow.yaml', line: 9, col: 3 };
const ENV_AT = { file: 'flow.yaml', line: 12, col: 22 };

const secret = (name: string, arn: unknown): IRSecret => ({ name, locators: arn === undefined ? {} : { stepfunctions: arn as never }, origin: { file: 'flow.yaml', line: 4, col: 3 } });
const usesHf = { secretEnv: [{ name: 'HF_TOKEN', secret: 'hf_token', origin: ENV_AT }], origin: STEP_AT };

/** prep (no secret) then train (HF_TOKEN from a secret), same image, with these flow options. */
function secretIR(options: Record<string, unknown>, o: { secrets?: IRSecret[]; train?: Record<string, unknown> } = {}): IR {
  return makeIR([step('prep'), step('train', { needs: ['prep'], ...usesHf, ...(o.train ?? {}) })], {
    targets: { stepfunctions: options as never },
    secrets: o.secrets ?? [secret('hf_token', HF), secret('registry_password', GHCR)],
  });
}

const batchRequests = (artifacts: Artifact[]) => {
  const file = artifacts.find((a) => a.path.endsWith('.batch.json'));
  return file ? (JSON.parse(file.contents).jobDefinitions as Record<string, any>[]) : [];
};
const codes = (c: { diagnostics: { items: Diagnostic[] } }) => c.diagnostics.items.map((d) => [d.code, d.span]);

/** Every string in a JSON value, with its path. */
function strings(v: unknown, path = ''): [string, string][] {
  if (typeof v === 'string') return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [...strings(k, `${path}.<key>`), ...strings(x, `${path}.${k}`)]);
  return [];
}

describe('secret locators (FLOWC608 shape check)', () => {
  const check = stepFunctionsTarget.secrets?.checkLocator ?? (() => 'no check');
  it('accepts Secrets Manager ARNs (with a JSON key and version too) and SSM parameter ARNs, in any partition', () => {
    for (const ok of [HF, `${HF}:token::`, `${HF}:token:AWSCURRENT:`, SSM, 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x', 'arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/a/b']) {
      expect(check(ok), ok).toBeUndefined();
    }
  });
  it('refuses anything else with the reason', () => {
    expect(check('hf-token')).toBe("'hf-token' is neither a Secrets Manager secret ARN nor an SSM Parameter Store parameter ARN");
    expect(check('arn:aws:s3:::bucket/key')).toContain('neither');
    expect(check('arn:aws:secretsmanager:us-east-1:1234:secret:x')).toContain('neither');
    expect(check({ name: 'hf', key: 'token' })).toBe('expected an ARN string, found a map');
    expect(stepFunctionsTarget.secrets?.locator).toContain('arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME');
  });
});

describe('secrets in Batch job definitions', () => {
  it('go into the definition of the steps that use them as { name, valueFrom: ARN }, never into the state machine', () => {
    const ir = secretIR({ jobQueue: 'q', executionRoleArn: EXEC });
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    const requests = batchRequests(c.artifacts);
    expect(batchFileProblems(c.artifacts.find((a) => a.path === 'demo.batch.json')?.contents ?? '')).toEqual([]);
    expect(requests.map((r) => [r.jobDefinitionName, r.containerProperties.secrets])).toEqual([
      ['demo-prep', undefined],
      ['demo-train', [{ name: 'HF_TOKEN', valueFrom: HF }]],
    ]);
    expect(requests[1]?.containerProperties.executionRoleArn).toBe(EXEC);
    const def = c.definition as Record<string, any>;
    expect(findState(def, 'train')?.Parameters.JobDefinition).toBe('demo-train');
    expect(findState(def, 'prep')?.Parameters.JobDefinition).toBe('demo-prep');
    expect(c.text).not.toContain('HF_TOKEN');
    expect(c.text).not.toContain('secretsmanager');
    expect(aslErrors(def)).toEqual([]);
  });

  it('steps with the same image and secrets share a definition; the flow keeps one name when only one is needed', () => {
    const ir = makeIR([step('a', usesHf), step('b', { ...usesHf, needs: ['a'] })], { targets: { stepfunctions: { executionRoleArn: EXEC } }, secrets: [secret('hf_token', HF)] });
    const c = compile(ir);
    expect(batchRequests(c.artifacts).map((r) => r.jobDefinitionName)).toEqual(['demo']);
  });

  it('a second definition for an image mapped by name takes the name with its first step', () => {
    const ir = secretIR({ executionRoleArn: EXEC, jobDefinitions: { 'python:3.12-slim': 'trainer' } });
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    expect(batchRequests(c.artifacts).map((r) => r.jobDefinitionName)).toEqual(['trainer', 'trainer-train']);
  });

  it('refuses that name when the suffix takes it over 128 characters (FLOWC627)', () => {
    const c = compile(secretIR({ executionRoleArn: EXEC, jobDefinitions: { 'python:3.12-slim': 'x'.repeat(125) } }));
    expect(c.artifacts).toEqual([]);
    expect(codes(c)).toEqual([['FLOWC627', { file: 'flow.yaml', line: 1, col: 1 }]]);
    expect(c.diagnostics.items[0]?.message).toContain("step 'train' needs a job definition of its own for image 'python:3.12-slim'");
  });

  it('refuses secrets on EC2 without an execution role (FLOWC665), at the first use, writing nothing', () => {
    const c = compile(secretIR({ jobQueue: 'q' }));
    expect(c.artifacts).toEqual([]);
    expect(codes(c)).toEqual([['FLOWC665', ENV_AT]]);
    expect(c.diagnostics.items[0]?.message).toContain("steps.train.env.HF_TOKEN uses secret 'hf_token', but AWS Batch fetches secrets and registry credentials with the job definition's execution role");
    // On Fargate the execution role is already required (FLOWC662): one error, not two.
    const f = compile(secretIR({ platform: 'FARGATE' }));
    expect(f.diagnostics.errors().map((d) => d.code)).toEqual(['FLOWC662']);
  });

  it('refuses secrets and registry credentials on ECS compute (FLOWC666): the task definition is not flowc\'s', () => {
    const ecs = { compute: 'ecs', ecs: { launchType: 'EC2' }, executionRoleArn: EXEC };
    const c = compile(secretIR(ecs));
    expect(c.artifacts).toEqual([]);
    expect(codes(c)).toEqual([['FLOWC666', ENV_AT]]);
    expect(c.diagnostics.items[0]?.message).toContain('the ECS task definition, which flowc does not write');
    const r = compile(makeIR([step('a')], { targets: { stepfunctions: { ...ecs, repositoryCredentials: 'registry_password' } as never }, secrets: [secret('registry_password', GHCR)] }));
    expect(codes(r)).toEqual([['FLOWC666', { file: 'flow.yaml', line: 1, col: 1 }]]);
  });

  it('refuses a secret in another partition than the options (FLOWC626)', () => {
    const cn = 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:hf-x';
    const c = compile(secretIR({ region: 'us-east-1', account: '123456789012', executionRoleArn: EXEC }, { secrets: [secret('hf_token', cn)] }));
    expect(c.artifacts).toEqual([]);
    expect(c.diagnostics.errors().map((d) => d.code)).toEqual(['FLOWC626']);
    expect(c.diagnostics.errors()[0]?.message).toContain(`secrets.hf_token.stepfunctions '${cn}' is in 'aws-cn'`);
  });

  it('refuses a step\'s own ARN in another partition than the flow\'s (FLOWC626)', () => {
    const c = compile(secretIR({ region: 'us-east-1', executionRoleArn: EXEC }, { train: { targets: { stepfunctions: { jobRoleArn: 'arn:aws-us-gov:iam::123456789012:role/r' } } } }));
    expect(c.diagnostics.errors().map((d) => d.code)).toEqual(['FLOWC626']);
    expect(c.diagnostics.errors()[0]?.message).toContain("steps.train.targets.stepfunctions.jobRoleArn 'arn:aws-us-gov:iam::123456789012:role/r' is in 'aws-us-gov'");
  });

  it('refuses a definition flowc does not write (an ARN) for a step with secrets (FLOWC627), at the step', () => {
    const c = compile(secretIR({ executionRoleArn: EXEC }, { train: { targets: { stepfunctions: { jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/theirs:1' } } } }));
    expect(c.artifacts).toEqual([]);
    expect(codes(c)).toEqual([['FLOWC627', STEP_AT]]);
    expect(c.diagnostics.items[0]?.message).toContain('or to hold its secrets');
  });
});

describe('per-step options (jobQueue, jobDefinition, jobRoleArn, repositoryCredentials)', () => {
  it('are the ones the target allows per step', () => {
    expect(stepFunctionsTarget.perStepOptions).toEqual(['jobQueue', 'jobDefinition', 'jobRoleArn', 'repositoryCredentials']);
  });

  it('a step\'s jobQueue lands on its own task only', () => {
    const ir = makeIR([step('a'), step('b', { needs: ['a'], targets: { stepfunctions: { jobQueue: 'gpu-queue' } } }), step('c', { needs: ['b'] })], { targets: { stepfunctions: { jobQueue: 'cpu-queue' } } });
    const c = compile(ir);
    const def = c.definition as Record<string, any>;
    expect(['a', 'b', 'c'].map((id) => findState(def, id)?.Parameters.JobQueue)).toEqual(['cpu-queue', 'gpu-queue', 'cpu-queue']);
    // The queue is not in the job definition: all three still share one.
    expect(batchRequests(c.artifacts).map((r) => r.jobDefinitionName)).toEqual(['demo']);
  });

  it('a step\'s jobRoleArn gives it a definition of its own; the others keep the flow\'s role', () => {
    const own = 'arn:aws:iam::123456789012:role/trainer';
    const flowRole = 'arn:aws:iam::123456789012:role/flow';
    const ir = makeIR([step('a'), step('b', { needs: ['a'], targets: { stepfunctions: { jobRoleArn: own } } }), step('c', { needs: ['b'] })], { targets: { stepfunctions: { jobRoleArn: flowRole } } });
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    expect(batchRequests(c.artifacts).map((r) => [r.jobDefinitionName, r.containerProperties.jobRoleArn])).toEqual([
      ['demo-a', flowRole],
      ['demo-b', own],
    ]);
    const def = c.definition as Record<string, any>;
    expect(['a', 'b', 'c'].map((id) => findState(def, id)?.Parameters.JobDefinition)).toEqual(['demo-a', 'demo-b', 'demo-a']);
  });

  it('on ECS, a step\'s jobRoleArn is its task role override (TaskRoleArn), on its task only', () => {
    const own = 'arn:aws:iam::123456789012:role/trainer';
    const ir = makeIR([step('a'), step('b', { needs: ['a'], targets: { stepfunctions: { jobRoleArn: own } } })], { targets: { stepfunctions: { compute: 'ecs', ecs: { launchType: 'EC2' } } } });
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    const def = c.definition as Record<string, any>;
    expect(['a', 'b'].map((id) => findState(def, id)?.Parameters.Overrides.TaskRoleArn)).toEqual([undefined, own]);
    expect(aslErrors(def)).toEqual([]);
  });

  it('a step\'s jobDefinition names its definition; two steps naming one that must differ is FLOWC669, at the second', () => {
    const named = makeIR([step('a'), step('b', { needs: ['a'], targets: { stepfunctions: { jobDefinition: 'special' } } })]);
    const c = compile(named);
    expect(c.diagnostics.items).toEqual([]);
    expect(batchRequests(c.artifacts).map((r) => r.jobDefinitionName)).toEqual(['jobdef-1', 'special']);
    // A step naming the definition the others already get, needing nothing else, shares it.
    const same = compile(makeIR([step('a'), step('b', { needs: ['a'], targets: { stepfunctions: { jobDefinition: 'jobdef-1' } } })]));
    expect(same.diagnostics.items).toEqual([]);
    expect(batchRequests(same.artifacts).map((r) => r.jobDefinitionName)).toEqual(['jobdef-1']);
    const clash = makeIR([
      step('a', { targets: { stepfunctions: { jobDefinition: 'shared' } } }),
      step('b', { needs: ['a'], origin: STEP_AT, targets: { stepfunctions: { jobDefinition: 'shared', jobRoleArn: 'arn:aws:iam::123456789012:role/other' } } }),
    ]);
    const d = compile(clash);
    expect(d.artifacts).toEqual([]);
    expect(codes(d)).toEqual([['FLOWC669', STEP_AT]]);
    expect(d.diagnostics.items[0]?.message).toBe(
      "steps 'a' and 'b' both submit to job definition 'shared', but they need different job roles, which a job definition fixes for every job that runs it; give one of them its own targets.stepfunctions.jobDefinition",
    );
  });

  it('a pinned revision in a step\'s jobDefinition is dropped with FLOWC628 at the step', () => {
    const c = compile(makeIR([step('a', { origin: STEP_AT, targets: { stepfunctions: { jobDefinition: 'mine:4' } } })]));
    expect(codes(c)).toEqual([['FLOWC628', STEP_AT]]);
    expect(batchRequests(c.artifacts).map((r) => r.jobDefinitionName)).toEqual(['mine']);
  });
});

describe('private images: repositoryCredentials', () => {
  it('puts the secret\'s ARN in containerProperties.repositoryCredentials.credentialsParameter of every definition', () => {
    const c = compile(secretIR({ executionRoleArn: EXEC, repositoryCredentials: 'registry_password' }));
    expect(c.diagnostics.items).toEqual([]);
    expect(batchRequests(c.artifacts).map((r) => r.containerProperties.repositoryCredentials)).toEqual([{ credentialsParameter: GHCR }, { credentialsParameter: GHCR }]);
    expect(batchFileProblems(c.artifacts.find((a) => a.path === 'demo.batch.json')?.contents ?? '')).toEqual([]);
  });

  it('per step: only on that step\'s definition', () => {
    const ir = makeIR([step('a'), step('b', { needs: ['a'], image: 'ghcr.io/acme/private:1', targets: { stepfunctions: { repositoryCredentials: 'registry_password' } } })], {
      targets: { stepfunctions: { executionRoleArn: EXEC } },
      secrets: [secret('registry_password', GHCR)],
    });
    const c = compile(ir);
    expect(c.diagnostics.items).toEqual([]);
    expect(batchRequests(c.artifacts).map((r) => [r.containerProperties.image, r.containerProperties.repositoryCredentials])).toEqual([
      ['python:3.12-slim', undefined],
      ['ghcr.io/acme/private:1', { credentialsParameter: GHCR }],
    ]);
  });

  it('refuses a name that is not a flow secret (FLOWC667) with did-you-mean, at the flow or at the step', () => {
    const c = compile(secretIR({ executionRoleArn: EXEC, repositoryCredentials: 'registry_pasword' }));
    expect(c.artifacts).toEqual([]);
    expect(codes(c)).toEqual([['FLOWC667', { file: 'flow.yaml', line: 1, col: 1 }]]);
    expect(c.diagnostics.items[0]?.message).toBe("targets.stepfunctions.repositoryCredentials: 'registry_pasword' is not a secret of this flow; it names a key of the flow's secrets: (hf_token, registry_password)");
    expect(c.diagnostics.items[0]?.notes).toEqual(["did you mean 'registry_password'?"]);
    const s = compile(secretIR({ executionRoleArn: EXEC }, { train: { targets: { stepfunctions: { repositoryCredentials: 'nope' } } } }));
    expect(codes(s)).toEqual([['FLOWC667', STEP_AT]]);
    expect(s.diagnostics.items[0]?.message).toContain('steps.train.targets.stepfunctions.repositoryCredentials');
  });

  it('refuses a secret without a stepfunctions locator or with a Parameter Store one (FLOWC668)', () => {
    const none = compile(secretIR({ executionRoleArn: EXEC, repositoryCredentials: 'registry_password' }, { secrets: [secret('hf_token', HF), secret('registry_password', undefined)] }));
    expect(codes(none)).toEqual([['FLOWC668', { file: 'flow.yaml', line: 1, col: 1 }]]);
    expect(none.diagnostics.items[0]?.message).toBe("targets.stepfunctions.repositoryCredentials: secret 'registry_password' has no stepfunctions locator");
    const ssm = compile(secretIR({ executionRoleArn: EXEC, repositoryCredentials: 'registry_password' }, { secrets: [secret('hf_token', HF), secret('registry_password', SSM)] }));
    expect(codes(ssm)).toEqual([['FLOWC668', { file: 'flow.yaml', line: 1, col: 1 }]]);
    expect(ssm.diagnostics.items[0]?.message).toBe(
      `targets.stepfunctions.repositoryCredentials: secret 'registry_password' is '${SSM}', a Parameter Store parameter, but AWS Batch reads private registry credentials only from a Secrets Manager secret (repositoryCredentials.credentialsParameter)`,
    );
    const junk = compile(secretIR({ executionRoleArn: EXEC, repositoryCredentials: 'registry_password' }, { secrets: [secret('hf_token', HF), secret('registry_password', 'ghcr-token')] }));
    expect(codes(junk)).toEqual([['FLOWC668', { file: 'flow.yaml', line: 1, col: 1 }]]);
    expect(junk.diagnostics.items[0]?.message).toContain("is 'ghcr-token', not a Secrets Manager secret ARN");
  });

  it('needs an execution role too (FLOWC665), even when no step uses a secret', () => {
    const c = compile(makeIR([step('a')], { targets: { stepfunctions: { repositoryCredentials: 'registry_password' } }, secrets: [secret('registry_password', GHCR)] }));
    expect(codes(c)).toEqual([['FLOWC665', { file: 'flow.yaml', line: 1, col: 1 }]]);
    expect(c.diagnostics.items[0]?.message).toContain("targets.stepfunctions.repositoryCredentials names secret 'registry_password'");
  });
});

// ---------------------------------------------------------------------------------------------
// The secure-training flow (issue 15's final fixture, this target's options only), end to end

const FIXTURE = join(import.meta.dirname, '../../../fixtures/secure-training');
const FLOW = join(FIXTURE, 'flow.yaml');
const ROLE_LINE = '    executionRoleArn: arn:aws:iam::123456789012:role/batch-execution\n';
// The fixture names an execution role (Batch needs one to read secrets); WITHOUT_ROLE takes it out.
const WITHOUT_ROLE = (text: string) => {
  if (!text.includes(ROLE_LINE)) throw new Error('fixtures/secure-training no longer names the execution role this test removes');
  return text.replace(ROLE_LINE, '');
};
const WITH_ROLE = (text: string) => text;

function compileFlow(edit: (text: string) => string = (t) => t) {
  const sources = new SourceRegistry();
  sources.add(FLOW, edit(readFileSync(FLOW, 'utf8')));
  sources.add(join(FIXTURE, 'config/base.yaml'), readFileSync(join(FIXTURE, 'config/base.yaml'), 'utf8'));
  return compileTargets({ flowPath: FLOW, cwd: FIXTURE, configs: [], sets: [], env: {}, sources, targets: ['stepfunctions'] });
}
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('secure-training', () => {
  const text = readFileSync(FLOW, 'utf8');

  it('without executionRoleArn is refused with FLOWC665 at the first secret use', () => {
    const r = compileFlow(WITHOUT_ROLE);
    expect(r.artifacts).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, d.span?.file, d.span?.line])).toEqual([['FLOWC665', FLOW, lineOf(WITHOUT_ROLE(text), 'HF_TOKEN: "${secrets.hf_token}", EPOCHS')]]);
  });

  it('with an execution role: valid ASL and job definitions, queues per step, secrets and credentials by ARN only', () => {
    const r = compileFlow(WITH_ROLE);
    expect(r.diagnostics).toEqual([]);
    const asl = JSON.parse(r.artifacts.find((a) => a.path === 'secure-training.asl.json')?.contents ?? 'null');
    expect(aslErrors(asl)).toEqual([]);
    const batchText = r.artifacts.find((a) => a.path === 'secure-training.batch.json')?.contents ?? '';
    expect(batchFileProblems(batchText)).toEqual([]);
    expect(['prepare', 'train', 'publish'].map((id) => findState(asl, id)?.Parameters.JobQueue)).toEqual(['cpu-queue', 'gpu-queue', 'cpu-queue']);
    expect(batchRequests(r.artifacts).map((d) => [d.jobDefinitionName, d.containerProperties.secrets, d.containerProperties.repositoryCredentials])).toEqual([
      ['secure-training-prepare', undefined, { credentialsParameter: GHCR }],
      ['secure-training-train', [{ name: 'HF_TOKEN', valueFrom: HF }], { credentialsParameter: GHCR }],
    ]);
    // train and publish share a definition; only train asks for a GPU, so the definition holds
    // none (an override adds resources type by type and cannot remove the definition's GPU).
    expect(batchRequests(r.artifacts)[1]?.containerProperties.resourceRequirements).toEqual([
      { type: 'VCPU', value: '8' },
      { type: 'MEMORY', value: '32768' },
    ]);
    expect(findState(asl, 'train')?.Parameters.ContainerOverrides.ResourceRequirements).toContainEqual({ Type: 'GPU', Value: '1' });
    // Every artifact: the secrets appear only as their ARNs, only where Batch reads them.
    for (const a of r.artifacts) {
      for (const [path, s] of strings(JSON.parse(a.contents))) {
        if (/secretsmanager|ssm:|hf_token|registry_password|secrets\./.test(s)) {
          expect([HF, GHCR], `${a.path} ${path}`).toContain(s);
          expect(path, a.path).toMatch(/^\.jobDefinitions\[\d+\]\.containerProperties\.(secrets\[\d+\]\.valueFrom|repositoryCredentials\.credentialsParameter)$/);
        }
        if (s === 'HF_TOKEN') expect(path, a.path).toMatch(/^\.jobDefinitions\[1\]\.containerProperties\.secrets\[0\]\.name$/);
      }
    }
  });

  it('runs in aws-local-stepfunctions: each Batch job sees HF_TOKEN as a reference in its definition, never a value', async () => {
    const r = compileFlow(WITH_ROLE);
    const asl = JSON.parse(r.artifacts.find((a) => a.path === 'secure-training.asl.json')?.contents ?? 'null');
    const definitions = new Map(batchRequests(r.artifacts).map((d) => [d.jobDefinitionName as string, d]));
    expect([...taskStates(asl).keys()].sort()).toEqual(['prepare', 'publish', 'train']);
    const run = await runMachine(asl, { date: '2026-12-01' }, { runId: 'run-1' });
    expect(run.error).toBeUndefined();
    const seen = new Map<string, { queue: string; secrets: unknown; envNames: string[] }>();
    for (const rec of run.records) {
      // What Batch would do with the submission: run the named definition with the overrides.
      const d = definitions.get(rec.input.JobDefinition);
      expect(d, rec.state).toBeDefined();
      const envNames = (rec.input.ContainerOverrides.Environment as { Name: string }[]).map((e) => e.Name);
      seen.set(rec.state, { queue: rec.input.JobQueue, secrets: d?.containerProperties.secrets, envNames });
      expect(JSON.stringify(rec.input)).not.toMatch(/secretsmanager|hf_token/);
    }
    expect(seen.get('prepare')).toMatchObject({ queue: 'cpu-queue', secrets: undefined });
    for (const id of ['train', 'publish']) {
      expect(seen.get(id)?.secrets, id).toEqual([{ name: 'HF_TOKEN', valueFrom: HF }]);
      expect(seen.get(id)?.envNames, id).not.toContain('HF_TOKEN');
    }
    expect(seen.get('train')?.queue).toBe('gpu-queue');
    expect(seen.get('train')?.envNames).toContain('EPOCHS');
  });

  it('refuses an option a step cannot set for itself (FLOWC609) at its key, and a bad locator (FLOWC608) at the secret', () => {
    const perStep = compileFlow((t) => WITH_ROLE(t).replace('stepfunctions: { jobQueue: gpu-queue }', 'stepfunctions: { jobQueue: gpu-queue, platform: EC2 }'));
    const line = lineOf(WITH_ROLE(text), 'stepfunctions: { jobQueue: gpu-queue }');
    expect(perStep.diagnostics.map((d) => [d.code, d.span?.line])).toEqual([['FLOWC609', line]]);
    const bad = compileFlow((t) => WITH_ROLE(t).replace(`stepfunctions: ${HF}`, 'stepfunctions: hf-token'));
    expect(bad.diagnostics.map((d) => [d.code, d.span?.line])).toEqual([['FLOWC608', lineOf(WITH_ROLE(text), '  hf_token:')]]);
  });
});
