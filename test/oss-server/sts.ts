// STS endpoint (Alibaba OpenAPI, RPC style, ACS3-HMAC-SHA256 signed): AssumeRole and
// GetCallerIdentity, with JSON errors as the OpenAPI gateway sends them.

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STS_ERRORS, stsErrorJson, type StsErrorResponse } from './errors.js';
import { headerMap, isoSeconds, readBody, splitUrl } from './http-util.js';
import {
  acs3CanonicalRequest,
  acs3Signature,
  acs3StringToSign,
  parseAcs3Authorization,
  parseQuery,
  safeEqual,
  sha256Hex,
  type QueryList,
} from './signing.js';
import { type OssServerState, type Script, accountIdOf, randomHex } from './state.js';
import type { RequestPrincipal, RoleSpec, StsSession } from './types.js';

const STS_HOST_ID = 'sts.aliyuncs.com';

export interface Caller {
  principal: RequestPrincipal;
  type: 'user' | 'root' | 'assumed-role';
  uid: string;
  roleArn?: string;
  /** Role ARNs (or `*`) the caller's own RAM policies allow sts:AssumeRole on; undefined: any. */
  mayAssume?: string[];
}

type StsResult = AcsResult;

/** An ACS OpenAPI request (STS here, RAM in ram.ts): the action from x-acs-action or ?Action, the parameters from the query and a form body. */
export interface AcsRequest {
  body: Buffer;
  headers: Record<string, string>;
  path: string;
  query: QueryList;
  requestId: string;
  method: string;
  action: string;
  params: Map<string, string>;
}

export async function readAcsRequest(req: IncomingMessage): Promise<AcsRequest> {
  const body = await readBody(req);
  const headers = headerMap(req);
  const { path, rawQuery } = splitUrl(req.url ?? '/');
  const query = parseQuery(rawQuery);
  const params = new Map<string, string>(query);
  if ((headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of parseQuery(body.toString('utf8').replace(/\+/g, '%20'))) params.set(k, v);
  }
  return {
    body,
    headers,
    path,
    query,
    requestId: randomUUID().toUpperCase(),
    method: (req.method ?? 'GET').toUpperCase(),
    action: headers['x-acs-action'] ?? new Map(query).get('Action') ?? '',
    params,
  };
}

/** What an ACS listener answers: JSON, or an error rendered by the listener's errorText. */
export interface AcsResult {
  status: number;
  json?: unknown;
  error?: StsErrorResponse & { accessDeniedDetail?: Record<string, string> };
}

/**
 * One ACS OpenAPI listener (STS here, RAM in ram.ts): the request read, the caller authenticated
 * (ACS3-HMAC-SHA256, as STS checks it), scripted faults, the answer written and logged; `dispatch`
 * answers an authenticated request, `errorText` renders an error body as that service does.
 */
export function acsHandler(
  state: OssServerState,
  script: Script,
  o: { service: 'sts' | 'ram'; dispatch(r: AcsRequest, caller: Caller): AcsResult; errorText(e: NonNullable<AcsResult['error']>, requestId: string): string },
) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const r = await readAcsRequest(req);
    const { headers, path, query, requestId, method, action } = r;
    let caller: Caller | undefined;
    let accessKeyId: string | undefined;
    let result: AcsResult;
    const auth = authenticate(state, method, path, query, headers, r.body);
    if ('error' in auth) {
      accessKeyId = auth.accessKeyId;
      result = { status: auth.error.status, error: auth.error };
    } else {
      caller = auth.caller;
      accessKeyId = caller.principal.accessKeyId;
      const fault = script.takeFault({ api: action, service: 'sts', principal: caller.principal });
      if (fault) {
        const status = fault.status ?? 503;
        result = {
          status,
          error: { status, code: fault.code ?? 'ServiceUnavailable', message: fault.message ?? 'The request has failed due to a temporary failure of the server.' },
        };
      } else {
        result = o.dispatch(r, caller);
      }
    }

    const text = result.error ? o.errorText(result.error, requestId) : JSON.stringify(result.json);
    res.writeHead(result.status, {
      'Content-Type': 'application/json;charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      'x-acs-request-id': requestId,
      Date: new Date().toUTCString(),
    });
    res.end(text);

    state.requests.push({
      service: 'sts',
      method,
      path,
      query: Object.fromEntries(query),
      host: headers['host'] ?? '',
      api: action,
      action: `${o.service}:${action}`,
      ...(caller ? { principal: caller.principal.arn } : {}),
      ...(accessKeyId ? { accessKeyId } : {}),
      signature: 'acs3',
      status: result.status,
      ...(result.error ? { code: result.error.code } : {}),
      requestId,
      at: new Date(),
    });
  };
}

export function createStsHandler(state: OssServerState, script: Script) {
  return acsHandler(state, script, {
    service: 'sts',
    dispatch({ action, params, requestId }, caller) {
      if (action === 'AssumeRole') return assumeRole(state, params, caller, requestId);
      if (action === 'GetCallerIdentity') return getCallerIdentity(caller, requestId);
      const e = STS_ERRORS.unsupportedAction(action);
      return { status: e.status, error: e };
    },
    errorText: (e, requestId) => stsErrorJson(e, requestId, STS_HOST_ID),
  });
}

export type AuthResult = { caller: Caller } | { error: StsErrorResponse; accessKeyId?: string };

export function authenticate(
  state: OssServerState,
  method: string,
  path: string,
  query: QueryList,
  headers: Record<string, string>,
  body: Buffer,
): AuthResult {
  const authorization = headers['authorization'] ?? '';
  const auth = parseAcs3Authorization(authorization);
  if (!auth) return { error: STS_ERRORS.incompleteSignature() };
  const { accessKeyId } = auth;

  let secret: string;
  let caller: Caller;
  if (accessKeyId.startsWith('STS.')) {
    const token = headers['x-acs-security-token'];
    if (!token) return { accessKeyId, error: STS_ERRORS.missingSecurityToken() };
    const session = state.tokens.get(accessKeyId);
    if (!session || session.securityToken !== token) return { accessKeyId, error: STS_ERRORS.invalidSecurityToken() };
    if (session.expiration.getTime() <= Date.now()) return { accessKeyId, error: STS_ERRORS.expiredSecurityToken() };
    secret = session.accessKeySecret;
    const assumedForm = `acs:ram::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`;
    caller = {
      type: 'assumed-role',
      uid: session.assumedRoleId,
      roleArn: session.roleArn,
      principal: {
        type: 'assumed-role',
        arn: assumedForm,
        accountId: session.accountId,
        accessKeyId,
        displayName: session.assumedRoleId,
        roleArn: session.roleArn,
        sessionName: session.sessionName,
        matchArns: [session.roleArn, assumedForm, session.arn],
      },
    };
  } else {
    const spec = state.accessKeys.get(accessKeyId);
    if (!spec) return { accessKeyId, error: STS_ERRORS.accessKeyNotFound() };
    secret = spec.accessKeySecret;
    caller = {
      type: spec.principal.type,
      uid: spec.principal.uid,
      ...(spec.principal.mayAssume ? { mayAssume: spec.principal.mayAssume } : {}),
      principal: {
        type: spec.principal.type,
        arn: spec.principal.arn,
        accountId: accountIdOf(spec.principal.arn) || spec.principal.uid,
        accessKeyId,
        displayName: spec.principal.displayName,
        matchArns: [spec.principal.arn],
      },
    };
  }

  // every x-acs-* header and host must be signed (V3 signature: "all common request headers
  // except Authorization")
  const signed = new Set(auth.signedHeaders);
  const unsigned = Object.keys(headers).filter((h) => (h.startsWith('x-acs-') || h === 'host') && !signed.has(h));
  if (unsigned.length > 0 || auth.signedHeaders.some((h) => headers[h] === undefined)) {
    return { accessKeyId, error: STS_ERRORS.incompleteSignature() };
  }
  const hashedPayload = headers['x-acs-content-sha256'] ?? '';
  const canonical = acs3CanonicalRequest(method, path, query, headers, auth.signedHeaders, hashedPayload);
  const stringToSign = acs3StringToSign(canonical);
  if (hashedPayload !== sha256Hex(body) || !safeEqual(acs3Signature(secret, stringToSign), auth.signature)) {
    return { accessKeyId, error: STS_ERRORS.signatureDoesNotMatch(stringToSign) };
  }
  return { caller };
}

function fail(e: StsErrorResponse): StsResult {
  return { status: e.status, error: e };
}

function derivedRoleId(arn: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(arn.toLowerCase()).digest('hex').slice(0, 15)}`).toString();
  return `3${digits.padStart(16, '0').slice(0, 16)}`;
}

function validPolicy(text: string): boolean {
  if (text.length < 1 || text.length > 2048) return false;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const { Version, Statement } = doc as { Version?: unknown; Statement?: unknown };
  if (Version !== '1' || !Array.isArray(Statement) || Statement.length === 0) return false;
  return Statement.every((s: unknown) => {
    if (typeof s !== 'object' || s === null) return false;
    const st = s as { Effect?: unknown; Action?: unknown; Resource?: unknown };
    const strOrList = (v: unknown) =>
      typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
    return (st.Effect === 'Allow' || st.Effect === 'Deny') && strOrList(st.Action) && strOrList(st.Resource);
  });
}

/** The caller's own RAM policies allow sts:AssumeRole on the role (RAM action sts:AssumeRole, resource the role ARN). */
function mayAssume(role: RoleSpec, caller: Caller): boolean {
  if (caller.mayAssume === undefined) return true;
  return caller.mayAssume.some((a) => a === '*' || a.toLowerCase() === role.arn.toLowerCase());
}

/**
 * The trust policy admits the caller. Only RAM principals count: a role whose trust policy names only
 * Alibaba Cloud services (`services`) is a service role, which a RAM user or role cannot assume.
 */
function trusted(role: RoleSpec, caller: Caller): boolean {
  const account = caller.principal.accountId;
  return role.trusts.some(
    (t) =>
      t === caller.principal.arn ||
      (caller.roleArn !== undefined && t.toLowerCase() === caller.roleArn.toLowerCase()) ||
      t === `acs:ram::${account}:root`,
  );
}

function assumeRole(state: OssServerState, params: Map<string, string>, caller: Caller, requestId: string): StsResult {
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (roleArn === undefined || roleArn === '') return fail(STS_ERRORS.missingParameter('RoleArn'));
  if (sessionName === undefined || sessionName === '') return fail(STS_ERRORS.missingParameter('RoleSessionName'));
  if (!/^[a-zA-Z0-9.@_-]{2,64}$/.test(sessionName)) return fail(STS_ERRORS.roleSessionName());
  const policy = params.get('Policy');
  if (policy !== undefined && !validPolicy(policy)) return fail(STS_ERRORS.policyGrammar());
  const durationRaw = params.get('DurationSeconds');
  const duration = durationRaw === undefined ? 3600 : Number(durationRaw);
  if (!Number.isInteger(duration) || duration < 900) return fail(STS_ERRORS.durationSeconds(3600));
  if (caller.type === 'root') return fail(STS_ERRORS.noPermissionRoot());
  const role = state.findRole(roleArn);
  if (!role) return fail(STS_ERRORS.roleNotExist(roleArn));
  const maxDuration = role.maxSessionDuration ?? 3600;
  if (duration > maxDuration) return fail(STS_ERRORS.durationSeconds(maxDuration));
  if (!mayAssume(role, caller)) return fail(STS_ERRORS.noPermissionNotAuthorized());
  if (!trusted(role, caller)) return fail(STS_ERRORS.noPermissionTrust());
  const externalId = params.get('ExternalId');
  if (role.externalId !== undefined && externalId !== role.externalId) return fail(STS_ERRORS.noPermissionTrust());

  const accountId = accountIdOf(role.arn);
  const roleName = role.arn.slice(role.arn.indexOf(':role/') + ':role/'.length);
  const roleId = role.roleId ?? derivedRoleId(role.arn);
  const now = new Date();
  const arn =
    state.options.assumedRoleArnStyle === 'role'
      ? `acs:ram::${accountId}:role/${roleName}/${sessionName}`
      : `acs:ram::${accountId}:assumed-role/${roleName}/${sessionName}`;
  const session: StsSession = {
    accessKeyId: `STS.TEST${randomHex(10)}`,
    accessKeySecret: `TESTSTSSECRET${randomHex(12)}`,
    securityToken: `TESTSTSTOKEN.${randomBytes(48).toString('base64url')}`,
    expiration: new Date(now.getTime() + duration * 1000),
    issuedAt: now,
    durationSeconds: duration,
    roleArn: role.arn,
    roleName,
    roleId,
    accountId,
    sessionName,
    arn,
    assumedRoleId: `${roleId}:${sessionName}`,
    sourceArn: caller.principal.arn,
    ...(policy !== undefined ? { policy } : {}),
    ...(externalId !== undefined ? { externalId } : {}),
  };
  state.tokens.set(session.accessKeyId, session);
  const sourceIdentity = params.get('SourceIdentity');
  return {
    status: 200,
    json: {
      RequestId: requestId,
      ...(sourceIdentity !== undefined ? { SourceIdentity: sourceIdentity } : {}),
      AssumedRoleUser: { AssumedRoleId: session.assumedRoleId, Arn: session.arn },
      Credentials: {
        SecurityToken: session.securityToken,
        AccessKeyId: session.accessKeyId,
        AccessKeySecret: session.accessKeySecret,
        Expiration: isoSeconds(session.expiration),
      },
    },
  };
}

function getCallerIdentity(caller: Caller, requestId: string): StsResult {
  const p = caller.principal;
  if (caller.type === 'assumed-role') {
    return {
      status: 200,
      json: {
        RequestId: requestId,
        IdentityType: 'AssumedRoleUser',
        AccountId: p.accountId,
        PrincipalId: caller.uid,
        UserId: caller.uid,
        Arn: p.arn,
        RoleId: caller.uid.split(':')[0],
      },
    };
  }
  return {
    status: 200,
    json: {
      RequestId: requestId,
      IdentityType: caller.type === 'root' ? 'Account' : 'RAMUser',
      AccountId: p.accountId,
      PrincipalId: caller.uid,
      UserId: caller.uid,
      Arn: p.arn,
    },
  };
}
