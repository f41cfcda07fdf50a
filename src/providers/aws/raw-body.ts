// Keeps the raw body of every error response, because the SDK sometimes cannot read it:
// S3-compatible STS/IAM endpoints (Ceph RGW) answer `<Error>` where the SDK expects
// `<ErrorResponse>`, so the SDK error says `Unknown`/`UnknownError` and the real `<Code>` is lost.
//
// withRawBody() wraps a NodeHttpHandler. For a response with status >= 300 it reads the whole body,
// stores it as a string on `response.rawBody`, and hands the SDK an equivalent stream in its place.
// The SDK attaches that same response object to the error it throws (non-enumerable `$response`),
// which is where evidenceFromError() (classify.ts) finds it. Success bodies are never touched.

import { PassThrough, type Readable } from 'node:stream';
import { NodeHttpHandler, type NodeHttpHandlerOptions } from '@smithy/node-http-handler';

type HandleArgs = Parameters<NodeHttpHandler['handle']>;
type HandleResult = Awaited<ReturnType<NodeHttpHandler['handle']>>;
export type SdkHttpResponse = HandleResult['response'];

/** Longest raw body kept as a string; the SDK always gets the whole body. */
export const RAW_BODY_LIMIT = 64 * 1024;

/** The response object as the SDK sees it, plus the body we kept. */
export type ResponseWithRawBody = SdkHttpResponse & { rawBody?: string };

function isReadable(body: unknown): body is Readable {
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as Readable).on === 'function' &&
    typeof (body as Readable).read === 'function'
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/** An HttpHandler that delegates to a NodeHttpHandler and records error bodies. */
export class RawBodyHttpHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };
  readonly inner: NodeHttpHandler;

  constructor(inner: NodeHttpHandler) {
    this.inner = inner;
  }

  async handle(request: HandleArgs[0], options?: HandleArgs[1]): Promise<HandleResult> {
    const result = await this.inner.handle(request, options);
    const response = result.response as ResponseWithRawBody;
    if (response.statusCode >= 300 && isReadable(response.body)) {
      const buf = await readAll(response.body);
      response.rawBody = buf.subarray(0, RAW_BODY_LIMIT).toString('utf8');
      const replacement = new PassThrough();
      replacement.end(buf);
      response.body = replacement;
    }
    return result;
  }

  updateHttpClientConfig(key: keyof NodeHttpHandlerOptions, value: NodeHttpHandlerOptions[typeof key]): void {
    this.inner.updateHttpClientConfig(key, value);
  }

  httpHandlerConfigs(): NodeHttpHandlerOptions {
    return this.inner.httpHandlerConfigs();
  }

  destroy(): void {
    this.inner.destroy();
  }
}

/**
 * Wrap a NodeHttpHandler (or build one from options, e.g. `{ requestTimeout, throwOnRequestTimeout: true }`)
 * so that error responses keep their raw body on `response.rawBody`. Pass the result as `requestHandler`.
 */
export function withRawBody(handler: NodeHttpHandler | NodeHttpHandlerOptions = {}): RawBodyHttpHandler {
  const inner = handler instanceof NodeHttpHandler ? handler : new NodeHttpHandler(handler);
  return new RawBodyHttpHandler(inner);
}
