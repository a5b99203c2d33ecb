/**
 * The timing rule (SPEC section 1): config values are resolved at compile/deploy time, parameters
 * when a run starts, step outputs when a task completes. A deploy-time field (resources, schedule,
 * retry, timeout, image, static foreach, parallelism, needs, target options, parameter defaults)
 * can only hold what is known at compile time. This module names each deploy-time field and says
 * why, so the diagnostic teaches the rule instead of only stating it.
 */
const WHY: Record<string, string> = {
  schedule: 'the schedule is registered with the engine when the flow is deployed',
  image: 'the container image is fixed in the deployed artifact',
  resources: 'resources are reserved from the deployed artifact before any run exists',
  retry: 'the retry policy is part of the deployed artifact',
  timeout: 'the timeout is part of the deployed artifact',
  foreach: 'a static foreach is expanded when the flow is compiled (a dynamic foreach is exactly ${steps.<id>.outputs.<name>}, with nothing around it)',
  parallelism: 'parallelism is fixed in the deployed artifact',
  needs: 'the graph is fixed when the flow is compiled',
  targets: 'target options configure the deployed artifact itself',
  secrets: "a secret's locators are written into the deployed artifact",
  parameters: 'parameter defaults and choices are declared in the deployed artifact',
  command: 'the argument list is fixed in the deployed artifact (a run-time value can be one argument: [prog, "${...}"])',
  env: 'the variable names are fixed in the deployed artifact (a run-time value can be the value of one: { NAME: "${...}" })',
};

const WHEN: Record<string, string> = {
  params: 'a run parameter, known only when a run starts',
  item: 'a foreach item, known only when the task runs',
  run: 'the run id, known only when a run starts',
  steps: 'a step output, known only when that step completes',
};

/** The message for a run-time reference `ref` (root `root`) used in deploy-time field `field`. */
export function timingRuleMessage(options: { fieldPath: string; fieldKind: string; root: string; ref: string }): string {
  const why = WHY[options.fieldKind] ?? 'this field is resolved when the flow is compiled';
  const when = WHEN[options.root] ?? 'a run-time value';
  return `${options.fieldPath} uses \${${options.ref}}, ${when}; ${why}, so it may only use config values (\${<config>.path}) or literals`;
}
