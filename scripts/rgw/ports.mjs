// Part of scripts/rgw.mjs (a throwaway Ceph RGW for tests and the demo): ports.
// Plain ESM JavaScript, like rgw.mjs: the demo runs it without a compile step.

import net from 'node:net';
export function listenOnce(port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}

export async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnce(0));
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

export async function assertPortFree(port, what) {
  let server;
  try {
    server = await listenOnce(port);
  } catch (e) {
    if (e && e.code === 'EADDRINUSE') throw new Error(`${what} port 127.0.0.1:${port} is already in use`);
    throw new Error(`${what} port 127.0.0.1:${port} cannot be bound: ${e && e.message}`);
  }
  await new Promise((r) => server.close(() => r()));
}

export function validPort(p, what) {
  const n = Number(p);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid ${what} port: ${p}`);
  return n;
}
