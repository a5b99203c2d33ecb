import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { CODES } from '../diagnostics/codes.js';
import { visibleText } from '../source/visible-text.js';

/** The error codes that mean "who you are" rather than "what you asked": FLOWC744. */
const CREDENTIAL_CODES = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'AccessDeniedException',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'Unauthorized',
  'Forbidden',
]);

/** gRPC status numbers, as google-gax reports them, by name (https://grpc.io/docs/guides/status-codes/). */
const GRPC = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

/** The API's own error code of an SDK error: AWS `name`, gRPC status name, HTTP status. */
export function cloudErrorCode(e: unknown): string {
  const err = e as { name?: unknown; code?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof err?.code === 'number' && GRPC[err.code]) return GRPC[err.code] as string;
  if (typeof err?.code === 'string' && err.code !== '') return err.code;
  if (typeof err?.name === 'string' && err.name !== 'Error' && err.name !== '') return err.name;
  if (typeof err?.statusCode === 'number') return `HTTP ${err.statusCode}`;
  return 'UnknownError';
}

/** The first line of an SDK error's message, made safe to print. */
function messageOf(e: unknown): string {
  const m = (e as { details?: unknown; message?: unknown })?.details ?? (e as { message?: unknown })?.message;
  const text = typeof m === 'string' && m !== '' ? m : String(e);
  return visibleText(text.split('\n')[0] ?? text).slice(0, 500);
}

/**
 * A failed cloud call as a diagnostic (never a stack trace): what flowc was doing, the API's error
 * code and message, and a hint on what to change. Credential problems get their own code.
 */
export function cloudDiagnostic(o: { error: unknown; doing: string; hint?: string; permission?: string }): Diagnostic {
  const code = cloudErrorCode(o.error);
  // The AWS SDK says this with a bare Error before sending anything: a missing setting, not a cloud error.
  if (messageOf(o.error) === 'Region is missing') {
    return { code: 'FLOWC741', severity: CODES.FLOWC741.severity, message: `${o.doing} needs an AWS region, and none is set`, notes: ['pass --region, or set AWS_REGION or a profile\'s region (AWS_PROFILE)'] };
  }
  const credentials = CREDENTIAL_CODES.has(code);
  const notes: string[] = [];
  if (credentials) notes.push(`credentials come from the SDK's standard chain (environment, profile, ADC, kubeconfig)${o.permission ? `; the call needs ${o.permission}` : ''}`);
  else if (o.permission && code.includes('Denied')) notes.push(`the call needs ${o.permission}`);
  if (o.hint) notes.push(o.hint);
  const flowcCode = credentials ? 'FLOWC744' : 'FLOWC743';
  const d: Diagnostic = { code: flowcCode, severity: CODES[flowcCode].severity, message: `${o.doing} failed: ${code}: ${messageOf(o.error)}` };
  if (notes.length > 0) d.notes = notes;
  return d;
}

/** A diagnostic without a source location, for deploy-time problems. */
export function deployDiagnostic(code: 'FLOWC740' | 'FLOWC741' | 'FLOWC742' | 'FLOWC745' | 'FLOWC746' | 'FLOWC747', message: string, notes?: string[]): Diagnostic {
  const d: Diagnostic = { code, severity: CODES[code].severity, message };
  if (notes && notes.length > 0) d.notes = notes;
  return d;
}
