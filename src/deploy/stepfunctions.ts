import type { CompileRequest } from '../pipeline/compile.js';
import type { Json } from '../source/tree.js';
import { FLOWC_VERSION } from '../version.js';
import { deployDiagnostic } from './cloud-errors.js';
import { artifactEnding, compileForDeploy } from './prepare.js';
import { DeployRun, DeployStop } from './run.js';
import type { Artifact } from '../targets/target.js';
import { partMachineName } from '../targets/stepfunctions/child-machines.js';
import type { DeployResult, DeploySettings } from './types.js';

/** Stands in for the state machine ARN in the schedule until the deploy knows the real one. */
const PENDING_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:flowc-pending';
const SFN_PERMISSIONS = 'states:ValidateStateMachineDefinition, states:ListStateMachines, states:DescribeStateMachine, states:CreateStateMachine, states:UpdateStateMachine, states:PublishStateMachineVersion, states:TagResource and iam:PassRole';

/**
 * `flowc deploy --target stepfunctions`: validates the ASL with ValidateStateMachineDefinition,
 * registers the Batch job definitions the target wrote, creates or updates the state machine by
 * name (publishing a version whose description carries the config hash), tags it, and creates or
 * updates the EventBridge Scheduler schedule with the real ARN. Reads happen in a dry run too,
 * so the plan says create or update; writes do not.
 */
export async function deployStepFunctions(req: CompileRequest, s: DeploySettings): Promise<DeployResult> {
  let scheduleRole: string | undefined;
  let name = s.name;
  const prepared = compileForDeploy({
    ...req,
    target: 'stepfunctions',
    adjust: (options, ir) => {
      name ??= typeof options.stateMachineName === 'string' ? options.stateMachineName : ir.flow.name;
      const out: Record<string, Json> = { ...options, stateMachineName: name };
      // Only a well-formed region: the target trusts its options to have passed their schema.
      if (s.region !== undefined && /^[a-z]{2}(-[a-z]+)+-[0-9]+$/.test(s.region) && options.region === undefined) out.region = s.region;
      scheduleRole = s.scheduleRoleArn ?? (typeof options.scheduleRoleArn === 'string' ? options.scheduleRoleArn : undefined);
      // The schedule's target is the state machine this deploy creates or finds; its ARN is filled in below.
      if (ir.schedule) out.stateMachineArn = PENDING_ARN;
      if (scheduleRole !== undefined) out.scheduleRoleArn = scheduleRole;
      else if (ir.schedule) out.scheduleRoleArn = 'arn:aws:iam::000000000000:role/flowc-pending';
      return out;
    },
  });
  const run = new DeployRun(s.dryRun === true);
  const ir = prepared.ir;
  const base = { target: 'stepfunctions', name: name ?? '', artifacts: prepared.artifacts, sources: prepared.sources, diagnostics: prepared.diagnostics };
  const asl = prepared.artifacts.find((a) => a.primary && a.path.endsWith('.asl.json')) ?? artifactEnding(prepared.artifacts, '.asl.json');
  if (!ir || !asl) return run.result(base);
  const configHash = ir.config.hash;
  const done = () => run.result({ ...base, configHash });
  const stateMachineName = name as string;
  if (ir.schedule && scheduleRole === undefined) {
    run.diagnostics.push(deployDiagnostic('FLOWC741', `${ir.flow.name} is scheduled, and the EventBridge Scheduler schedule needs the IAM role it assumes to start the state machine`, ['pass --schedule-role-arn, or set targets.stepfunctions.scheduleRoleArn']));
    return done();
  }

  const [{ SFNClient, ValidateStateMachineDefinitionCommand, ListStateMachinesCommand, DescribeStateMachineCommand, CreateStateMachineCommand, UpdateStateMachineCommand, TagResourceCommand }, batchSdk, schedulerSdk] =
    await Promise.all([import('@aws-sdk/client-sfn'), import('@aws-sdk/client-batch'), import('@aws-sdk/client-scheduler')]);
  // --region, else the flow's targets.stepfunctions.region, else the SDK chain (AWS_REGION, profile).
  const options = ir.targets.stepfunctions;
  const flowRegion = options !== null && typeof options === 'object' && !Array.isArray(options) && typeof options.region === 'string' ? options.region : undefined;
  const region = s.region ?? flowRegion;
  const config = { ...(region !== undefined ? { region } : {}), ...(s.clients?.aws ?? {}) };
  const sfn = new SFNClient(config);
  const regionHint = 'set the region with --region, AWS_REGION or a profile; credentials come from the AWS SDK chain (AWS_PROFILE, environment, SSO, instance role)';
  const versionDescription = `flowc ${FLOWC_VERSION} config sha256 ${configHash}`;
  const tags = [
    { key: 'flowc:version', value: FLOWC_VERSION },
    { key: 'flowc:config-hash', value: configHash },
    { key: 'flowc:binding', value: ir.flow.name },
  ];

  // The parts of a partitioned flow before its parent, which starts them by name (child-machines.ts).
  const machines = [...partMachines(prepared.artifacts, stateMachineName), { name: stateMachineName, artifact: asl }];

  try {
    if (s.validate !== false) {
      for (const m of machines) {
        const definition = m.artifact.contents;
        const v = await run.call('ValidateStateMachineDefinition', () => sfn.send(new ValidateStateMachineDefinitionCommand({ definition, type: 'STANDARD' })), { hint: regionHint, permission: 'states:ValidateStateMachineDefinition' });
        const errors = (v.diagnostics ?? []).filter((d) => d.severity !== 'WARNING');
        if (v.result === 'FAIL' || errors.length > 0) {
          for (const d of errors.length > 0 ? errors : [{ code: 'FAIL', message: 'the definition did not pass validation', location: undefined }]) {
            run.diagnostics.push(deployDiagnostic('FLOWC742', `Step Functions rejected ${m.artifact.path}: ${d.code ?? 'FAIL'}: ${d.message ?? ''}${d.location ? ` (at ${d.location})` : ''}`, ['nothing was deployed; --no-validate skips this check, but CreateStateMachine would refuse the same definition']));
          }
          return done();
        }
        run.change({ action: 'validate', resource: m.artifact.path, detail: 'ValidateStateMachineDefinition: OK' });
      }
    }

    const arns = new Map<string, string>();
    let nextToken: string | undefined;
    do {
      const page = await run.call('ListStateMachines', () => sfn.send(new ListStateMachinesCommand({ nextToken })), { hint: regionHint, permission: 'states:ListStateMachines' });
      for (const m of page.stateMachines ?? []) if (m.name !== undefined && m.stateMachineArn !== undefined && machines.some((x) => x.name === m.name)) arns.set(m.name, m.stateMachineArn);
      nextToken = page.nextToken;
    } while (arns.size < machines.length && nextToken);

    const missing = machines.find((m) => !arns.has(m.name));
    if (missing && s.roleArn === undefined) {
      run.diagnostics.push(deployDiagnostic('FLOWC741', `state machine ${missing.name} does not exist yet, and creating it needs the IAM role it runs as`, ['pass --role-arn arn:aws:iam::<account>:role/<role>']));
      return done();
    }

    const batch = artifactEnding(prepared.artifacts, '.batch.json');
    if (batch) {
      const client = new batchSdk.BatchClient(config);
      const { jobDefinitions } = JSON.parse(batch.contents) as { jobDefinitions: Record<string, unknown>[] };
      for (const request of jobDefinitions) {
        const jobName = String(request.jobDefinitionName);
        if (run.dryRun) {
          run.change({ action: 'register', resource: `job definition ${jobName}`, detail: 'a new revision' });
          continue;
        }
        const out = await run.call(`RegisterJobDefinition ${jobName}`, () => client.send(new batchSdk.RegisterJobDefinitionCommand(request as never)), { permission: 'batch:RegisterJobDefinition' });
        run.change({ action: 'register', resource: out.jobDefinitionArn ?? jobName, detail: `revision ${out.revision ?? '?'}` });
      }
    }

    let arn = '';
    for (const m of machines) {
      const isParent = m.artifact === asl;
      arn = await deployMachine({ run, sfn: { client: sfn, CreateStateMachineCommand, DescribeStateMachineCommand, UpdateStateMachineCommand, TagResourceCommand }, name: m.name, definition: m.artifact.contents, found: arns.get(m.name), roleArn: s.roleArn, versionDescription, tags, isParent });
    }
    run.deployed.stateMachineArn = arn;

    const scheduleFile = artifactEnding(prepared.artifacts, '.schedule.json');
    if (scheduleFile) await deploySchedule({ run, sdk: schedulerSdk, config, text: scheduleFile.contents, stateMachineArn: arn });
  } catch (e) {
    if (!(e instanceof DeployStop)) throw e;
    run.diagnostics.push(e.diagnostic);
  }
  return done();
}

/** Creates or updates the EventBridge Scheduler schedule the target wrote, aimed at the deployed ARN. */
async function deploySchedule(o: { run: DeployRun; sdk: typeof import('@aws-sdk/client-scheduler'); config: Record<string, unknown>; text: string; stateMachineArn: string }): Promise<void> {
  const { run, sdk } = o;
  const request = JSON.parse(o.text) as { Name: string; GroupName?: string; Target: { Arn: string } };
  request.Target.Arn = o.stateMachineArn;
  const client = new sdk.SchedulerClient(o.config);
  const label = `schedule ${request.GroupName ?? 'default'}/${request.Name}`;
  const exists = await run.call(`GetSchedule ${request.Name}`, async () => {
    try {
      await client.send(new sdk.GetScheduleCommand({ Name: request.Name, ...(request.GroupName ? { GroupName: request.GroupName } : {}) }));
      return true;
    } catch (e) {
      if ((e as { name?: string }).name === 'ResourceNotFoundException') return false;
      throw e;
    }
  }, { permission: 'scheduler:GetSchedule' });
  if (run.dryRun) {
    run.change({ action: exists ? 'update' : 'create', resource: label, detail: `target ${o.stateMachineArn}` });
    return;
  }
  const permission = 'scheduler:CreateSchedule / scheduler:UpdateSchedule and iam:PassRole on the schedule role';
  const out = exists
    ? await run.call(`UpdateSchedule ${request.Name}`, () => client.send(new sdk.UpdateScheduleCommand(request as never)), { permission })
    : await run.call(`CreateSchedule ${request.Name}`, () => client.send(new sdk.CreateScheduleCommand(request as never)), { permission });
  run.change({ action: exists ? 'update' : 'create', resource: out.ScheduleArn ?? label });
  if (out.ScheduleArn) run.deployed.scheduleArn = out.ScheduleArn;
}

interface SfnCalls {
  client: import('@aws-sdk/client-sfn').SFNClient;
  CreateStateMachineCommand: typeof import('@aws-sdk/client-sfn').CreateStateMachineCommand;
  DescribeStateMachineCommand: typeof import('@aws-sdk/client-sfn').DescribeStateMachineCommand;
  UpdateStateMachineCommand: typeof import('@aws-sdk/client-sfn').UpdateStateMachineCommand;
  TagResourceCommand: typeof import('@aws-sdk/client-sfn').TagResourceCommand;
}

/**
 * Creates the state machine `name` (found: undefined) or updates the one found, publishing a
 * version and tagging it; leaves it alone when the definition and role are as deployed. Returns its
 * ARN. Only the parent's version is the deploy's `versionArn`.
 */
async function deployMachine(o: { run: DeployRun; sfn: SfnCalls; name: string; definition: string; found: string | undefined; roleArn: string | undefined; versionDescription: string; tags: { key: string; value: string }[]; isParent: boolean }): Promise<string> {
  const { run, sfn, name, definition, versionDescription, tags } = o;
  if (o.found === undefined) {
    const roleArn = o.roleArn as string;
    if (run.dryRun) {
      run.change({ action: 'create', resource: `state machine ${name}`, detail: `publish a version: ${versionDescription}` });
      return `arn:aws:states:<region>:<account>:stateMachine:${name}`;
    }
    const out = await run.call(`CreateStateMachine ${name}`, () => sfn.client.send(new sfn.CreateStateMachineCommand({ name, definition, roleArn, type: 'STANDARD', publish: true, versionDescription, tags })), { permission: SFN_PERMISSIONS });
    const arn = out.stateMachineArn as string;
    run.change({ action: 'create', resource: arn });
    if (out.stateMachineVersionArn) {
      run.change({ action: 'publish', resource: out.stateMachineVersionArn, detail: versionDescription });
      if (o.isParent) run.deployed.versionArn = out.stateMachineVersionArn;
    }
    return arn;
  }
  const found = o.found;
  const current = await run.call(`DescribeStateMachine ${name}`, () => sfn.client.send(new sfn.DescribeStateMachineCommand({ stateMachineArn: found })), { permission: 'states:DescribeStateMachine' });
  const same = current.definition === definition && (o.roleArn === undefined || o.roleArn === current.roleArn);
  if (same) run.change({ action: 'unchanged', resource: found, detail: 'the definition and role are as deployed' });
  else if (run.dryRun) run.change({ action: 'update', resource: found, detail: `publish a version: ${versionDescription}` });
  else {
    const out = await run.call(`UpdateStateMachine ${name}`, () => sfn.client.send(new sfn.UpdateStateMachineCommand({ stateMachineArn: found, definition, ...(o.roleArn !== undefined ? { roleArn: o.roleArn } : {}), publish: true, versionDescription })), { permission: SFN_PERMISSIONS });
    run.change({ action: 'update', resource: found });
    if (out.stateMachineVersionArn) {
      run.change({ action: 'publish', resource: out.stateMachineVersionArn, detail: versionDescription });
      if (o.isParent) run.deployed.versionArn = out.stateMachineVersionArn;
    }
  }
  if (run.dryRun) run.change({ action: 'tag', resource: found, detail: tags.map((t) => `${t.key}=${t.value}`).join(' ') });
  else if (!same) {
    await run.call('TagResource', () => sfn.client.send(new sfn.TagResourceCommand({ resourceArn: found, tags })), { permission: 'states:TagResource' });
    run.change({ action: 'tag', resource: found, detail: tags.map((t) => `${t.key}=${t.value}`).join(' ') });
  }
  return found;
}

/** The part definitions of a partitioned flow (`<flow>-part-NN.asl.json`), in part order, with their deployed names. */
function partMachines(artifacts: Artifact[], parentName: string): { name: string; artifact: Artifact }[] {
  const parts = artifacts
    .map((a) => ({ a, m: a.primary ? null : /-part-(\d+)\.asl\.json$/.exec(a.path) }))
    .filter((x): x is { a: Artifact; m: RegExpExecArray } => x.m !== null)
    .sort((x, y) => Number(x.m[1]) - Number(y.m[1]));
  return parts.map(({ a, m }) => ({ name: partMachineName(parentName, Number(m[1]) - 1, parts.length), artifact: a }));
}
