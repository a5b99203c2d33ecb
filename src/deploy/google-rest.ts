import type { DeployRun } from './run.js';

/** An HTTP error from a Google REST API, shaped like the SDK's errors for `cloudDiagnostic`. */
export class GoogleHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GoogleHttpError';
  }
}

/** What signs a request: a google-auth-library client from ADC, or a test's stand-in. */
export interface RequestSigner {
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

const RETRIED = new Set([429, 500, 502, 503, 504]);

/**
 * A small REST caller for the Workflows API (https://cloud.google.com/workflows/docs/reference/rest).
 * Throttling (429) and 5xx answers are retried with exponential backoff, `maxAttempts` in all,
 * as the generated clients do for idempotent calls.
 */
export class GoogleRest {
  constructor(
    private readonly o: { base: string; signer: RequestSigner; maxAttempts: number; baseDelayMs: number },
  ) {}

  async call<T>(method: string, path: string, body?: unknown): Promise<T | undefined> {
    const url = `${this.o.base}${path}`;
    for (let attempt = 1; ; attempt++) {
      const headers = new Headers(await this.o.signer.getRequestHeaders(url));
      headers.set('content-type', 'application/json');
      const res = await fetch(url, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      const text = await res.text();
      if (res.ok) return text === '' ? ({} as T) : (JSON.parse(text) as T);
      if (res.status === 404 && method === 'GET') return undefined;
      if (RETRIED.has(res.status) && attempt < this.o.maxAttempts) {
        await new Promise((ok) => setTimeout(ok, this.o.baseDelayMs * 2 ** (attempt - 1)));
        continue;
      }
      let status = `HTTP ${res.status}`;
      let message = text.slice(0, 300);
      try {
        const e = (JSON.parse(text) as { error?: { status?: string; message?: string } }).error;
        if (e?.status) status = e.status;
        if (e?.message) message = e.message;
      } catch {
        /* not JSON: keep the text */
      }
      throw new GoogleHttpError(res.status, status, message);
    }
  }
}

/** Polls a long-running operation until it is done, at most `polls` times. */
export async function waitForOperation(o: { run: DeployRun; rest: GoogleRest; operation: { name?: string; done?: boolean; error?: unknown; response?: unknown }; polls: number; intervalMs: number; doing: string }): Promise<{ done: boolean; error?: { code?: number; message?: string }; response?: Record<string, unknown> }> {
  let op = o.operation as { name?: string; done?: boolean; error?: { code?: number; message?: string }; response?: Record<string, unknown> };
  for (let i = 0; !op.done && i < o.polls; i++) {
    await new Promise((ok) => setTimeout(ok, o.intervalMs));
    const name = op.name as string;
    op = (await o.run.call(`${o.doing}: waiting for ${name}`, () => o.rest.call<typeof op>('GET', `/v1/${name}`))) ?? op;
  }
  return { done: op.done === true, ...(op.error ? { error: op.error } : {}), ...(op.response ? { response: op.response } : {}) };
}
