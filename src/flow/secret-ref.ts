import type { LNode, LScalar } from '../source/tree.js';

/** The interpolation root of secret references (SPEC section 8). */
export const SECRETS_ROOT = 'secrets';

/**
 * An env value that is exactly `${secrets.NAME}`, after resolution. The reference travels as its
 * own kind of node so lowering can never read it as text: `value` keeps the written form only for
 * messages and the shape check, and `secretRef` names the secret.
 */
export interface SecretScalar extends LScalar {
  secretRef: string;
}

export function secretScalar(node: LScalar, name: string): SecretScalar {
  return { ...node, secretRef: name };
}

/** The secret a resolved env value references, or undefined for an ordinary value. */
export function secretRefOf(node: LNode): string | undefined {
  return node.kind === 'scalar' ? (node as Partial<SecretScalar>).secretRef : undefined;
}

/**
 * Why a secret reference is refused where it stands: the timing rule for secrets (SPEC section 1),
 * said where the mistake is made.
 */
export function secretMisuseMessage(fieldPath: string, ref: string, where: 'text' | 'deploy' | 'whole-field'): string {
  const why =
    where === 'text'
      ? 'a secret cannot be part of text: the engine resolves it when the task starts, and flowc never sees its value to paste'
      : where === 'deploy'
        ? 'this field is fixed when the flow is compiled or deployed, and a secret is only resolved by the engine when a task starts; flowc never sees its value'
        : 'a secret is only a whole value of one env variable: the engine injects it when the task starts';
  return `${fieldPath} uses \${${ref}}; ${why}. Use it as a whole env value instead: env: { NAME: "\${${ref}}" }`;
}
