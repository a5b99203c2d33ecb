import { memoByText } from '../source/text-memo.js';

/**
 * What looks like a credential (SPEC section 8, docs/security.md "Secrets and taint"): names of
 * environment variables, and literal values. Both are heuristics that err towards flagging: a
 * false alarm costs a warning or a `secrets:` entry, a miss costs a leaked credential.
 */

/**
 * Words that make an environment variable name a credential, matched as whole `_`-separated words
 * (so `TOKENIZER_PATH` and `AUTHOR` are not): `GITHUB_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`,
 * `OPENAI_API_KEY`, `GOOGLE_APPLICATION_CREDENTIALS`, `NPM_AUTH_TOKEN`.
 */
export const CREDENTIAL_ENV_WORDS = [
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'API_KEY',
  'APIKEY',
  'ACCESS_KEY',
  'PRIVATE_KEY',
  'SECRET_KEY',
  'CREDENTIAL',
  'CREDENTIALS',
  'AUTH',
  'COOKIE',
  'SESSION_KEY',
  'SIGNING_KEY',
  'WEBHOOK_URL',
] as const;

const ENV_WORDS = new RegExp(`(?:^|_)(?:${CREDENTIAL_ENV_WORDS.join('|')})(?:_|$)`, 'i');

/** Whether `${env:NAME}` reads a credential by its name. */
export function isCredentialEnvName(name: string): boolean {
  return ENV_WORDS.test(name);
}

/** Literal credential formats with a fixed, documented prefix: few false alarms. */
const LITERAL_KINDS: { kind: string; pattern: RegExp }[] = [
  { kind: 'an AWS access key id', pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: 'a GitHub token', pattern: /\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{36,}\b/ },
  { kind: 'a GitHub fine-grained token', pattern: /\bgithub_pat_[A-Za-z0-9_]{60,}\b/ },
  { kind: 'a Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
  { kind: 'a Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: 'a private key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/ },
  { kind: 'a Hugging Face token', pattern: /\bhf_[A-Za-z0-9]{30,}\b/ },
];

/**
 * What kind of credential `value` holds, or undefined. A Hugging Face token also needs a mix of
 * letter cases and digits: `hf_` is a common prefix of ordinary identifiers (`hf_cache_dir_...`).
 */
export function credentialKind(value: string): string | undefined {
  return credentialText(value);
}

/** Every string of every config is tested against each format, in every unit: once per text. */
const credentialText = memoByText(credentialKindOf);

function credentialKindOf(value: string): string | undefined {
  for (const { kind, pattern } of LITERAL_KINDS) {
    const m = pattern.exec(value);
    if (!m) continue;
    if (kind === 'a Hugging Face token' && !/[A-Z]/.test(m[0]) && !/\d/.test(m[0])) continue;
    return kind;
  }
  return undefined;
}
