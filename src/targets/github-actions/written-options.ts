import { suggestionNotes } from '../../diagnostics/suggest.js';
import type { LMapEntry, LNode } from '../../source/tree.js';
import type { WrittenOptionsCheck } from '../target.js';

/**
 * `containerCredentials` where it was written: `password` must be a key of the flow's
 * `secrets:` (FLOWC636, with did-you-mean); a `username` that is a secret's name is probably
 * meant as one, but is literal text (FLOWC639); credentials with `container: false` have no
 * container to log in for (FLOWC638).
 */
export function checkWrittenOptions({ node, effective, path, secretNames, diagnostics }: WrittenOptionsCheck): void {
  const creds = entry(node, 'containerCredentials');
  if (!creds) return;
  const password = entry(creds.value, 'password');
  if (password?.value.kind === 'scalar' && typeof password.value.value === 'string' && !secretNames.includes(password.value.value)) {
    const name = password.value.value;
    diagnostics.report(
      'FLOWC636',
      `${path}.containerCredentials.password: '${name}' is not a secret of this flow; it names a key of the flow's secrets:, never the password itself`,
      password.value.span,
      [...suggestionNotes(name, secretNames), secretNames.length > 0 ? `the flow's secrets: ${secretNames.join(', ')}` : `declare it under secrets: with a github-actions locator (the GitHub secret's name)`],
    );
  }
  const username = entry(creds.value, 'username');
  if (username?.value.kind === 'scalar' && typeof username.value.value === 'string' && secretNames.includes(username.value.value)) {
    diagnostics.report(
      'FLOWC639',
      `${path}.containerCredentials.username is '${username.value.value}', the name of a flow secret, but a username is written into the workflow as literal text`,
      username.value.span,
      ['write the registry user name itself; a username is not secret on GitHub (it is not masked in logs)'],
    );
  }
  const container = entry(effective, 'container');
  if (container?.value.kind === 'scalar' && container.value.value === false) {
    diagnostics.report(
      'FLOWC638',
      `${path}.containerCredentials has no effect: with container: false the job runs on the runner and pulls no image`,
      creds.keySpan,
      ['remove containerCredentials, or log in to the registry in the step itself'],
    );
  }
}

function entry(node: LNode, key: string): LMapEntry | undefined {
  return node.kind === 'map' ? node.entries.find((e) => e.key === key) : undefined;
}
