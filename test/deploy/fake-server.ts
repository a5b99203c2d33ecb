import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, as the SDK sent it. */
export interface Recorded {
  method: string;
  path: string;
  /** AWS JSON protocols: the operation (`X-Amz-Target` suffix), else `METHOD path`. */
  op: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A local HTTP server on 127.0.0.1 that answers only the calls a test implements and records
 * every request, so tests run the real SDK clients end to end without a cloud account.
 */
export class FakeServer {
  readonly requests: Recorded[] = [];
  private server: Server;
  constructor(private readonly handle: (r: Recorded) => Reply | Promise<Reply>) {
    this.server = createServer((req, res) => void this.serve(req, res));
  }

  async start(): Promise<string> {
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  ops(): string[] {
    return this.requests.map((r) => r.op);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* a non-JSON body (YAML apply patch) is kept as text */
    }
    const target = req.headers['x-amz-target'];
    const path = req.url ?? '/';
    const r: Recorded = { method: req.method ?? 'GET', path, op: typeof target === 'string' ? (target.split('.').pop() as string) : `${req.method} ${path.split('?')[0]}`, headers: req.headers, body };
    this.requests.push(r);
    let reply: Reply;
    try {
      reply = await this.handle(r);
    } catch (e) {
      reply = { status: 500, body: { message: String(e) } };
    }
    const payload = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
    res.end(payload);
  }
}

/** An AWS JSON 1.0 error (`__type`), as Step Functions answers one. */
export function awsJsonError(type: string, message: string, status = 400): Reply {
  return { status, body: { __type: `com.amazonaws.sfn#${type}`, message }, headers: { 'content-type': 'application/x-amz-json-1.0' } };
}

/** An AWS REST JSON error (`x-amzn-errortype`), as Batch and Scheduler answer one. */
export function awsRestError(type: string, message: string, status = 400): Reply {
  return { status, body: { Message: message }, headers: { 'x-amzn-errortype': type } };
}
