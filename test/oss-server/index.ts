// Alibaba Cloud OSS + STS test server, started in-process by tests. Loopback only.
// See README.md for the client options that point ali-oss and @alicloud/sts20150401 at it.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOssHandler } from './oss.js';
import { OssServerState, Script, type ServerOptions } from './state.js';
import { createStsHandler } from './sts.js';
import { createRamHandler } from './ram.js';
import type { AccessKeySpec, RoleSpec } from './types.js';

export { OssServerState, Script, RAM_ACTION } from './state.js';
export type { ServerOptions } from './state.js';
export type * from './types.js';

export interface StartOssServerOptions extends Partial<ServerOptions> {
  /** OSS listener port (0 = ephemeral, the default) */
  port?: number;
  /** STS listener port (0 = ephemeral, the default) */
  stsPort?: number;
  /** RAM listener port (0 = ephemeral, the default) */
  ramPort?: number;
}

export interface OssTestServer {
  /** http://127.0.0.1:PORT: give it to ali-oss as `endpoint` */
  ossEndpoint: string;
  /** http://127.0.0.1:PORT of the STS listener */
  stsEndpoint: string;
  /** 127.0.0.1:PORT: give it to the STS client as `endpoint` (with protocol 'http') */
  stsHost: string;
  /** http://127.0.0.1:PORT of the RAM listener (DecodeDiagnosticMessage): the explainer's `ramEndpoint` */
  ramEndpoint: string;
  state: OssServerState;
  script: Script;
  addAccessKey(spec: AccessKeySpec): void;
  addRole(spec: RoleSpec): void;
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

function listen(handler: Handler, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    handler(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`test server error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    });
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((e) => (e ? reject(e) : resolve()));
    server.closeAllConnections();
  });
}

export async function startOssServer(options: StartOssServerOptions = {}): Promise<OssTestServer> {
  const state = new OssServerState(options);
  const script = new Script();
  const oss = await listen(createOssHandler(state, script), options.port ?? 0);
  let sts: Server;
  let ram: Server;
  try {
    sts = await listen(createStsHandler(state, script), options.stsPort ?? 0);
  } catch (e) {
    await close(oss);
    throw e;
  }
  try {
    ram = await listen(createRamHandler(state, script), options.ramPort ?? 0);
  } catch (e) {
    await Promise.all([close(oss), close(sts)]);
    throw e;
  }
  const ossPort = (oss.address() as AddressInfo).port;
  const stsPort = (sts.address() as AddressInfo).port;
  return {
    ossEndpoint: `http://127.0.0.1:${ossPort}`,
    stsEndpoint: `http://127.0.0.1:${stsPort}`,
    stsHost: `127.0.0.1:${stsPort}`,
    ramEndpoint: `http://127.0.0.1:${(ram.address() as AddressInfo).port}`,
    state,
    script,
    addAccessKey: (spec) => state.addAccessKey(spec),
    addRole: (spec) => state.addRole(spec),
    stop: async () => {
      await Promise.all([close(oss), close(sts), close(ram)]);
    },
  };
}
