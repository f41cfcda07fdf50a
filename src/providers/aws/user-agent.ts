// The User-Agent header each S3 request actually carried: the value of aws:UserAgent ("AWS global
// condition context keys": "the requester's client application", i.e. the User-Agent header).
//
// @aws-sdk v3 builds the header in its user-agent middleware (@aws-sdk/core
// middleware-user-agent/user-agent-middleware.js: step `build`, priority `low`) from the SDK, OS
// and Node versions plus `m/<features>`, the features the request's own middlewares set (retry mode,
// checksums, credential source, ...), so it is known only once that middleware has run. This
// middleware sits after signing (@smithy/core httpSigningMiddleware, step `finalizeRequest`, after
// `retryMiddleware`), so it sees every attempt's request exactly as the HTTP handler sends it.
//
// Which check a request belongs to: the adapter runs each operation inside an AsyncLocalStorage
// scope naming it (the SDK's middleware chain is plain async code, so the scope follows it). The
// runner runs checks concurrently and describes a check right after its request finished, so a
// check's own User-Agent is among the ones recorded for its operation by then; when every request
// of that operation so far carried the same value, that is the value this check sent. When two
// differed, which one was this check's is not known here, and the key stays undetermined.

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Operation } from '../../core/adapter.js';

interface Stack {
  addRelativeTo(middleware: unknown, options: { name: string; relation: 'after'; toMiddleware: string; step?: string }): void;
}

export class UserAgentLog {
  private readonly scope = new AsyncLocalStorage<Operation>();
  private readonly seen = new Map<Operation, Set<string>>();

  /** Run one operation's SDK call inside its scope. */
  within<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    return this.scope.run(op, fn);
  }

  /** Install the recording middleware on a client's stack (S3Client.middlewareStack). */
  install(stack: Stack): void {
    const record = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      const op = this.scope.getStore();
      const headers = (args as { request?: { headers?: Record<string, string> } }).request?.headers;
      const ua = headers ? Object.entries(headers).find(([k]) => k.toLowerCase() === 'user-agent')?.[1] : undefined;
      if (op && typeof ua === 'string') {
        const set = this.seen.get(op) ?? new Set<string>();
        set.add(ua);
        this.seen.set(op, set);
      }
      return next(args);
    };
    stack.addRelativeTo(record, { name: 'backupCanaryUserAgentLog', relation: 'after', toMiddleware: 'httpSigningMiddleware' });
  }

  /** The User-Agent the operation's requests carried, when all of them so far carried the same one. */
  of(op: Operation): string | null {
    const set = this.seen.get(op);
    return set && set.size === 1 ? [...set][0]! : null;
  }
}
