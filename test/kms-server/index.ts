// A test server for the one AWS KMS operation --explain calls: GetKeyPolicy, over the AWS KMS wire
// protocol (AWS JSON 1.1: POST /, `X-Amz-Target: TrentService.<Operation>`, body and answers
// `application/x-amz-json-1.1`, errors `{"__type": ..., "message": ...}`), with SigV4 verified.
// Sources (README.md): AWS KMS API Reference "GetKeyPolicy", "Common Errors", "Common Parameters";
// IAM User Guide "Signature Version 4 signing process".

import { createHash, createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KmsKey {
  /** The key ARN (`arn:aws:kms:REGION:ACCOUNT:key/ID`); GetKeyPolicy accepts it or its key id. */
  arn: string;
  policy: string;
  /** Access key ids that may call kms:GetKeyPolicy on it (this server's stand-in for the key policy's rule). */
  readers: string[];
}

export interface KmsCall {
  target: string;
  accessKeyId: string | null;
  keyId?: string;
  policyName?: string;
  status: number;
  error?: string;
}

export interface KmsServer {
  endpoint: string;
  calls: KmsCall[];
  stop(): Promise<void>;
}

const JSON_11 = 'application/x-amz-json-1.1';

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/**
 * SigV4 ("Create a signed AWS API request"): canonical request from method, path, query, the signed
 * headers, and the payload hash; string to sign with the credential scope; the signing key from the
 * secret, date, region, service. Returns the access key id when the signature is the one the secret
 * gives, else an error code of "Common Errors".
 */
export function verifySigV4(req: { method: string; path: string; headers: Record<string, string>; body: Buffer }, secrets: Record<string, string>): { accessKeyId: string } | { error: string; message: string; status: number } {
  const auth = req.headers.authorization;
  if (!auth) return { error: 'MissingAuthenticationToken', message: 'Missing Authentication Token', status: 403 };
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { error: 'IncompleteSignature', message: 'The request signature does not conform to AWS standards.', status: 400 };
  const [, accessKeyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  const secret = secrets[accessKeyId!];
  if (!secret) return { error: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.', status: 400 };
  if (service !== 'kms') return { error: 'InvalidSignatureException', message: `Credential should be scoped to correct service: 'kms'.`, status: 400 };
  const amzDate = req.headers['x-amz-date'] ?? '';
  const names = signedHeaders!.split(';');
  const canonicalHeaders = names.map((n) => `${n}:${(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const [path, query = ''] = req.path.split('?');
  const canonical = [req.method, path, query, canonicalHeaders, signedHeaders, sha256(req.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date!), region!), service!), 'aws4_request');
  if (createHmac('sha256', key).update(toSign).digest('hex') !== signature) {
    return { error: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.', status: 400 };
  }
  return { accessKeyId: accessKeyId! };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_11, 'x-amzn-requestid': randomUUID(), 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startKmsServer(o: { keys: KmsKey[]; secrets: Record<string, string> }): Promise<KmsServer> {
  const calls: KmsCall[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
    const target = headers['x-amz-target'] ?? '';
    const call: KmsCall = { target, accessKeyId: null, status: 200 };
    calls.push(call);
    const fail = (status: number, type: string, message: string) => {
      Object.assign(call, { status, error: type });
      send(res, status, { __type: type, message });
    };
    if (req.method !== 'POST' || !target.startsWith('TrentService.')) return fail(400, 'UnknownOperationException', '');
    const auth = verifySigV4({ method: req.method, path: req.url ?? '/', headers, body }, o.secrets);
    if ('error' in auth) return fail(auth.status, auth.error, auth.message);
    call.accessKeyId = auth.accessKeyId;
    if (target !== 'TrentService.GetKeyPolicy') return fail(400, 'UnknownOperationException', '');
    let input: { KeyId?: string; PolicyName?: string };
    try {
      input = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return fail(400, 'SerializationException', 'Start of structure or map found where not expected');
    }
    if (input.KeyId !== undefined) call.keyId = input.KeyId;
    if (input.PolicyName !== undefined) call.policyName = input.PolicyName;
    if (!input.KeyId) return fail(400, 'ValidationException', "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
    // "GetKeyPolicy": PolicyName defaults to `default`, the only valid name
    const policyName = input.PolicyName ?? 'default';
    const key = o.keys.find((k) => k.arn === input.KeyId || k.arn.endsWith(`:key/${input.KeyId}`));
    const who = `arn:aws:iam::000000000000:user/${auth.accessKeyId}`;
    if (!key) return fail(400, 'NotFoundException', `Key '${input.KeyId}' does not exist`);
    if (!key.readers.includes(auth.accessKeyId)) {
      return fail(400, 'AccessDeniedException', `User: ${who} is not authorized to perform: kms:GetKeyPolicy on resource: ${key.arn} because no resource-based policy allows the kms:GetKeyPolicy action`);
    }
    if (policyName !== 'default') return fail(400, 'NotFoundException', `Policy '${policyName}' does not exist`);
    send(res, 200, { Policy: key.policy, PolicyName: 'default' });
  };
  const server: Server = createServer((req, res) => void handle(req, res).catch(() => res.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
