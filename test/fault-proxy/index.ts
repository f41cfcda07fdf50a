// A fault-injecting HTTP proxy for tests: sits between the CLI (`--endpoint http://127.0.0.1:PORT`)
// and a real RGW, forwards every request verbatim and injects scripted faults per request.
//
// - Loopback only: it listens on 127.0.0.1, accepts only loopback peers and forwards only to a
//   loopback upstream.
// - Bounded: it stops by itself after `deadlineMs` and after `maxRequests` requests (and every delay
//   ends when the proxy stops or the client goes away).
// - Verbatim: method, URL, raw header list (names, case, order, the Host header the client signed)
//   and body go upstream unchanged, so SigV4 signatures stay valid: the client signed the proxy's
//   host:port and RGW checks the signature against the Host header it receives.
// - Observant: every exchange is logged (operation, attempt header, request headers, the request
//   body's MD5 and length, status, a capped response body),
//   which is the ground truth the tests compare reports against (what did the store really create?).

import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** The S3/STS operation of a request, from its method, path, query and (STS) form body. */
export type Op =
  | 'AssumeRole'
  | 'GetCallerIdentity'
  | 'Sts'
  | 'Iam'
  | 'ListBuckets'
  | 'PutObject'
  | 'HeadObject'
  | 'GetObject'
  | 'DeleteObject'
  | 'ListObjects'
  | 'ListMultipartUploads'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'ListParts'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'BucketOther'
  | 'Other';

export type Fault =
  /** Answer with an S3-style XML error instead of forwarding (e.g. 503 SlowDown, 500 InternalError). */
  | { kind: 'status'; status: number; code: string; message?: string; body?: (ex: Exchange) => string }
  /**
   * Drop the connection:
   * `request`: as soon as the request headers arrive (the client may still be sending the body);
   * `forwarded`: after the store handled the request and answered (the store did it, the client never hears);
   * `mid-response`: after the status line, headers and half of the store's response body.
   */
  | { kind: 'drop'; at: 'request' | 'forwarded' | 'mid-response' }
  /** Forward, then hold the store's answer for `ms` before passing it on. */
  | { kind: 'delay'; ms: number }
  /** Forward with the raw header list rewritten (e.g. a corrupted security token the store must reject). */
  | { kind: 'rewrite'; headers: (raw: string[]) => string[] }
  /**
   * Run `run` first. With `freeze`, every other request arriving meanwhile is held and the hook
   * starts only once no other request is in flight: `run` happens between requests (e.g. stop RGW).
   */
  | { kind: 'hook'; run: (ex: Exchange) => Promise<void> | void; freeze?: boolean };

export interface FaultRule {
  name?: string;
  op?: Op | Op[];
  method?: string;
  /** Matched against the request's path (URL-decoded, without the query). */
  path?: RegExp;
  /** Matched against the raw query string (without `?`). */
  query?: RegExp;
  /** Which matching requests get the fault, 1-based (e.g. [1, 2]: the first two); default every one. */
  attempts?: number[];
  fault: Fault;
}

export interface Exchange {
  n: number;
  op: Op;
  method: string;
  url: string;
  path: string;
  query: string;
  /** The SDK's `amz-sdk-request` header (`attempt=2; max=3`) and invocation id, when sent. */
  sdkAttempt: number | null;
  invocationId: string | null;
  startedAt: number;
  endedAt?: number;
  /** The rule that matched, and on which of its matches. */
  fault?: string;
  status?: number;
  /** Set when the exchange ended without a complete answer to the client. */
  error?: string;
  /** Forwarded to the store (it may have acted on it). */
  forwarded: boolean;
  requestHeaders: Record<string, string>;
  /** Small request bodies (STS/IAM forms, XML), capped. */
  requestBody?: string;
  /** The base64 MD5 of the whole request body as it arrived (what a correct Content-MD5 header says), once read. */
  requestBodyMd5?: string;
  /** The request body's length in bytes, once read. */
  requestBodyLength?: number;
  /** The store's response body as text, capped (not for GetObject). */
  responseBody?: string;
}

export interface FaultProxyOptions {
  /** e.g. http://127.0.0.1:7480 (loopback only). */
  upstream: string;
  rules?: FaultRule[];
  /** The proxy closes itself after this long (default 120 s). */
  deadlineMs?: number;
  /** ... and after this many requests (default 2000); later requests are reset. */
  maxRequests?: number;
  /** When the store refuses connections (it was stopped), stop listening too and reset every open connection, as a stopped store would. Default true. */
  mirrorUpstreamDown?: boolean;
}

export interface FaultProxy {
  endpoint: string;
  port: number;
  log: Exchange[];
  rules: FaultRule[];
  /** Replace the rules (and reset their attempt counters). */
  setRules(rules: FaultRule[]): void;
  /** Requests seen so far. */
  readonly count: number;
  readonly closed: boolean;
  /** Why the proxy closed: 'closed', 'deadline', 'max-requests', 'upstream-down'. */
  readonly closedBy: string | null;
  close(): Promise<void>;
}

const CAP = 64 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function classifyRequest(method: string, path: string, query: string, body?: string): Op {
  const q = new URLSearchParams(query);
  if (method === 'POST' && path === '/' && body !== undefined) {
    const action = new URLSearchParams(body).get('Action') ?? '';
    if (action === 'AssumeRole') return 'AssumeRole';
    if (action === 'GetCallerIdentity') return 'GetCallerIdentity';
    if (/Role|Policy|User/.test(action)) return 'Iam';
    return 'Sts';
  }
  const segs = path.split('/').filter(Boolean);
  if (segs.length === 0) return method === 'GET' ? 'ListBuckets' : 'Other';
  const isObject = segs.length > 1; // path-style: /bucket/key
  if (!isObject) {
    if (method === 'GET' && q.has('uploads')) return 'ListMultipartUploads';
    if (method === 'GET' && !q.has('policy') && !q.has('acl')) return 'ListObjects';
    return 'BucketOther';
  }
  switch (method) {
    case 'PUT':
      return q.has('uploadId') && q.has('partNumber') ? 'UploadPart' : 'PutObject';
    case 'HEAD':
      return 'HeadObject';
    case 'GET':
      return q.has('uploadId') ? 'ListParts' : 'GetObject';
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload';
      if (q.has('uploadId')) return 'CompleteMultipartUpload';
      return 'Other';
    case 'DELETE':
      return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
    default:
      return 'Other';
  }
}

export function s3Error(code: string, message: string, resource: string, requestId = `fault-proxy-${Date.now()}`): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><Resource>${resource}</Resource><RequestId>${requestId}</RequestId></Error>`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client closed the request before its end'));
    });
  });
}

function headerPairs(raw: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) out[raw[i]!.toLowerCase()] = raw[i + 1]!;
  return out;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const up = new URL(opts.upstream);
  if (up.protocol !== 'http:' || !LOOPBACK.has(up.hostname.replace(/^\[|\]$/g, ''))) {
    throw new Error(`fault proxy: upstream must be http on loopback, not ${opts.upstream}`);
  }
  const upstreamPort = Number(up.port || 80);
  const deadlineMs = opts.deadlineMs ?? 120_000;
  const maxRequests = opts.maxRequests ?? 2000;
  const mirror = opts.mirrorUpstreamDown ?? true;

  let rules = opts.rules ?? [];
  let counters = new Map<FaultRule, number>();
  const log: Exchange[] = [];
  const sockets = new Set<Socket>();
  const stop = new AbortController();
  let count = 0;
  let closedBy: string | null = null;
  let inFlight = 0;
  let frozen: Promise<void> | null = null;
  let upstreamDown = false;

  const server: Server = createServer();
  server.on('connection', (s: Socket) => {
    if (!LOOPBACK.has(s.remoteAddress ?? '')) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  /** Every rule counts the requests its matcher matches; the first rule whose `attempts` include its count fires. */
  const matching = (ex: Exchange): FaultRule | undefined => {
    let chosen: FaultRule | undefined;
    for (const r of rules) {
      const ops = r.op === undefined ? null : Array.isArray(r.op) ? r.op : [r.op];
      if (ops && !ops.includes(ex.op)) continue;
      if (r.method && r.method !== ex.method) continue;
      if (r.path && !r.path.test(ex.path)) continue;
      if (r.query && !r.query.test(ex.query)) continue;
      const n = (counters.get(r) ?? 0) + 1;
      counters.set(r, n);
      if (chosen || (r.attempts && !r.attempts.includes(n))) continue;
      ex.fault = `${r.name ?? r.fault.kind}#${n}`;
      chosen = r;
    }
    return chosen;
  };

  const resetClient = (req: IncomingMessage) => {
    const s = req.socket as Socket & { resetAndDestroy?: () => void };
    if (typeof s.resetAndDestroy === 'function') s.resetAndDestroy();
    else s.destroy();
  };

  const goDown = () => {
    // A stopped store refuses new connections and its open connections end.
    if (upstreamDown || !mirror) return;
    upstreamDown = true;
    server.close();
    for (const s of sockets) s.destroy();
    closedBy ??= 'upstream-down';
  };

  /** Forward the request; resolves with the upstream response (body not yet read). */
  const forward = (req: IncomingMessage, body: Buffer, ex: Exchange, rawHeaders = req.rawHeaders): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      ex.forwarded = true;
      const upReq = httpRequest({
        host: up.hostname.replace(/^\[|\]$/g, ''),
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: rawHeaders,
        setHost: false,
        agent: false,
      });
      upReq.on('response', resolve);
      upReq.on('error', reject);
      upReq.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const n = ++count;
    if (n > maxRequests) {
      closedBy ??= 'max-requests';
      resetClient(req);
      void close();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://proxy.invalid');
    const method = req.method ?? 'GET';
    const headers = headerPairs(req.rawHeaders);
    const attempt = /attempt=(\d+)/.exec(headers['amz-sdk-request'] ?? '');
    const ex: Exchange = {
      n,
      op: 'Other',
      method,
      url: req.url ?? '/',
      path: decodeURIComponent(url.pathname),
      query: url.search.replace(/^\?/, ''),
      sdkAttempt: attempt ? Number(attempt[1]) : null,
      invocationId: headers['amz-sdk-invocation-id'] ?? null,
      startedAt: Date.now(),
      forwarded: false,
      requestHeaders: headers,
    };
    log.push(ex);
    const end = (error?: string) => {
      ex.endedAt ??= Date.now();
      if (error && !ex.error) ex.error = error;
    };
    res.on('close', () => end(res.writableFinished ? undefined : 'client left before the answer was complete'));

    if (frozen) await frozen;
    inFlight++;
    try {
      // STS/IAM are POST / with a form body: read it to know the operation. S3 is known from the URL.
      let body: Buffer | undefined;
      if (method === 'POST' && ex.path === '/') {
        body = await readBody(req);
        ex.requestBody = body.subarray(0, CAP).toString('utf8');
      }
      ex.op = classifyRequest(method, ex.path, ex.query, ex.requestBody);
      const rule = matching(ex);
      const fault = rule?.fault;

      if (fault?.kind === 'drop' && fault.at === 'request') {
        end('dropped on request');
        resetClient(req);
        return;
      }
      body ??= await readBody(req);
      ex.requestBodyMd5 = createHash('md5').update(body).digest('base64');
      ex.requestBodyLength = body.length;
      if (ex.requestBody === undefined && body.length <= CAP && !['PutObject', 'UploadPart'].includes(ex.op)) {
        ex.requestBody = body.toString('utf8');
      }

      if (fault?.kind === 'status') {
        const text = fault.body ? fault.body(ex) : s3Error(fault.code, fault.message ?? fault.code, ex.path);
        ex.status = fault.status;
        res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text), 'x-amz-request-id': `fault-proxy-${n}` });
        res.end(text);
        return;
      }
      if (fault?.kind === 'hook') {
        if (fault.freeze) {
          let release!: () => void;
          frozen = new Promise<void>((r) => (release = r));
          inFlight--;
          try {
            const deadline = Date.now() + 30_000;
            while (inFlight > 0 && Date.now() < deadline && !stop.signal.aborted) await sleep(10, stop.signal);
            await fault.run(ex);
          } finally {
            inFlight++;
            frozen = null;
            release();
          }
        } else {
          await fault.run(ex);
        }
      }

      let upRes: IncomingMessage;
      try {
        upRes = await forward(req, body, ex, fault?.kind === 'rewrite' ? fault.headers([...req.rawHeaders]) : req.rawHeaders);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? 'error';
        end(`upstream ${code}`);
        resetClient(req);
        if (code === 'ECONNREFUSED') goDown();
        return;
      }
      ex.status = upRes.statusCode ?? 0;
      const upBody = await readBody(upRes);
      if (ex.op !== 'GetObject' || ex.status >= 300) ex.responseBody = upBody.subarray(0, CAP).toString('utf8');

      if (fault?.kind === 'drop' && fault.at === 'forwarded') {
        end('dropped after the store answered');
        resetClient(req);
        return;
      }
      if (fault?.kind === 'delay') {
        // Until the delay ends, the proxy stops, or the client gives up (its socket closes).
        const left = new AbortController();
        const onStop = () => left.abort();
        stop.signal.addEventListener('abort', onStop, { once: true });
        req.socket.once('close', onStop);
        if (req.socket.destroyed) left.abort();
        await sleep(fault.ms, left.signal);
        stop.signal.removeEventListener('abort', onStop);
        req.socket.off('close', onStop);
        if (req.socket.destroyed) {
          end('client left before the answer was complete');
          return;
        }
      }
      res.writeHead(ex.status, upRes.rawHeaders);
      if (fault?.kind === 'drop' && fault.at === 'mid-response') {
        res.write(upBody.subarray(0, Math.floor(upBody.length / 2)));
        await new Promise((r) => setTimeout(r, 20));
        end('dropped mid-response');
        resetClient(req);
        return;
      }
      res.end(upBody);
    } catch (e) {
      end(`proxy: ${(e as Error).message}`);
      if (!req.socket.destroyed) resetClient(req);
    } finally {
      inFlight--;
    }
  };
  server.on('request', (req, res) => void handle(req, res));

  let closing: Promise<void> | null = null;
  const close = (why = 'closed'): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      closedBy ??= why;
      clearTimeout(timer);
      stop.abort();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      if (!server.listening) resolve();
    });
    return closing;
  };
  const timer = setTimeout(() => void close('deadline'), deadlineMs);
  timer.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    log,
    get rules() {
      return rules;
    },
    setRules(r: FaultRule[]) {
      rules = r;
      counters = new Map();
    },
    get count() {
      return count;
    },
    get closed() {
      return closedBy !== null;
    },
    get closedBy() {
      return closedBy;
    },
    close: () => close(),
  };
}

/** What the store holds after a run, from the proxy's log: objects created and not deleted, uploads started and not ended. */
export function storeStateFromLog(log: Exchange[], bucket: string): { objects: string[]; uploads: { key: string; uploadId: string }[]; unsure: string[] } {
  const objects = new Set<string>();
  const uploads = new Map<string, string>();
  const unsure = new Set<string>();
  const keyOf = (ex: Exchange) => ex.path.replace(new RegExp(`^/${bucket}/`), '');
  const ok = (ex: Exchange) => ex.status !== undefined && ex.status >= 200 && ex.status < 300;
  for (const ex of [...log].sort((a, b) => (a.endedAt ?? a.startedAt) - (b.endedAt ?? b.startedAt))) {
    if (!ex.path.startsWith(`/${bucket}/`)) continue;
    const key = keyOf(ex);
    // Forwarded without a complete answer: the store may or may not have acted on it.
    if (ex.forwarded && ex.status === undefined && ['PutObject', 'CreateMultipartUpload', 'CompleteMultipartUpload'].includes(ex.op)) unsure.add(key);
    if (!ok(ex)) continue;
    const uploadId = new URLSearchParams(ex.query).get('uploadId');
    switch (ex.op) {
      case 'PutObject':
        objects.add(key);
        break;
      case 'CreateMultipartUpload': {
        const id = /<UploadId>([^<]+)<\/UploadId>/.exec(ex.responseBody ?? '')?.[1];
        if (id) uploads.set(id, key);
        break;
      }
      case 'CompleteMultipartUpload':
        if (uploadId && !/<Error>/.test(ex.responseBody ?? '')) {
          uploads.delete(uploadId);
          objects.add(key);
        }
        break;
      case 'AbortMultipartUpload':
        if (uploadId) uploads.delete(uploadId);
        break;
      case 'DeleteObject':
        objects.delete(key);
        break;
      default:
        break;
    }
  }
  return {
    objects: [...objects].sort(),
    uploads: [...uploads].map(([uploadId, key]) => ({ key, uploadId })).sort((a, b) => a.key.localeCompare(b.key)),
    unsure: [...unsure].sort(),
  };
}
