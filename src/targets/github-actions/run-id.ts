/**
 * FLOWC_RUN_ID (`${run.id}`) for GitHub Actions: one id per run of the flow, the same in every
 * re-run attempt, and distinct per call when a caller's run calls the flow more than once.
 *
 * `github.run_id` is stable across "Re-run failed jobs" (`run_attempt` is not, and a re-run job
 * must see the id the jobs it reads from wrote under), but under `workflow_call` it is the
 * caller's run id, shared by every call in that run, and GitHub gives a called workflow nothing
 * else that differs per call. So the caller names the call: the optional `workflow_call` input
 * below, when given, is appended (`<run id>-<call id>`). It is the caller's own text (a literal,
 * or a matrix value), the same in a re-run, so the id stays stable.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#github-context
 */

/**
 * The input's id. Parameter names cannot contain `-` (schemas/flow.schema.json), so it never
 * collides with a parameter's input.
 */
export const CALL_ID_INPUT = 'flowc-call-id';

/**
 * The run id as one expression. A dispatch or scheduled run has no such input (null), and a call
 * without it gets the default '': both are falsy, so the id is `github.run_id` alone.
 */
export const RUN_ID_EXPR = `inputs.${CALL_ID_INPUT} && format('{0}-{1}', github.run_id, inputs.${CALL_ID_INPUT}) || github.run_id`;

/**
 * `-<call id>` when the caller named the call, else ''. The default concurrency group ends with
 * it, so calls the caller named apart run side by side: in one shared group GitHub would run one,
 * keep one pending and cancel any other pending call.
 */
export const CALL_SUFFIX_EXPR = `inputs.${CALL_ID_INPUT} && format('-{0}', inputs.${CALL_ID_INPUT}) || ''`;

/** The `on.workflow_call.inputs` entry for the call id. */
export function callIdInput(): Record<string, unknown> {
  return {
    description: 'When one run calls this workflow more than once: a name for this call, so FLOWC_RUN_ID is <run id>-<name>',
    type: 'string',
    required: false,
    default: '',
  };
}
