// RAM endpoint (Alibaba OpenAPI, RPC style, ACS3-HMAC-SHA256 signed, as sts.ts): DecodeDiagnosticMessage
// (RAM API reference "DecodeDiagnosticMessage",
// https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-decodediagnosticmessage;
// example body at help.aliyun.com/document_detail/2362772.html). The request is
// `POST /?EncodedDiagnosticMessage=...` with `x-acs-action: DecodeDiagnosticMessage`,
// `x-acs-version: 2015-05-01` (the @alicloud/ram20150501 client). The caller's own RAM policies must
// allow `ram:DecodeDiagnosticMessage` (resource `*`, "RAM authorization"): PrincipalSpec.ramActions /
// RoleSpec.ramActions. Other RAM actions answer InvalidAction.NotFound.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { STS_ERRORS, stsError, stsErrorJson, type StsErrorResponse } from './errors.js';
import { type OssServerState, type Script } from './state.js';
import { authenticate, type Caller, readAcsRequest } from './sts.js';

const RAM_HOST_ID = 'ram.aliyuncs.com';
const DECODE = 'ram:DecodeDiagnosticMessage';

interface RamResult {
  status: number;
  json?: unknown;
  error?: StsErrorResponse & { accessDeniedDetail?: Record<string, string> };
}

/** The RAM actions the caller's own policies allow (omitted: none). */
function ramActionsOf(state: OssServerState, caller: Caller): string[] {
  if (caller.type === 'assumed-role') return (caller.roleArn && state.findRole(caller.roleArn)?.ramActions) || [];
  return state.accessKeys.get(caller.principal.accessKeyId)?.principal.ramActions ?? [];
}

function allows(actions: string[], action: string): boolean {
  return actions.some((a) => a === '*' || a.toLowerCase() === 'ram:*' || a.toLowerCase() === action.toLowerCase());
}

export function createRamHandler(state: OssServerState, script: Script) {
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { body, headers, path, query, requestId, method, action, params } = await readAcsRequest(req);

    let caller: Caller | undefined;
    let accessKeyId: string | undefined;
    let result: RamResult;
    const auth = authenticate(state, method, path, query, headers, body);
    if ('error' in auth) {
      accessKeyId = auth.accessKeyId;
      result = { status: auth.error.status, error: auth.error };
    } else {
      caller = auth.caller;
      accessKeyId = caller.principal.accessKeyId;
      const fault = script.takeFault({ api: action, service: 'sts', principal: caller.principal });
      if (fault) {
        const status = fault.status ?? 503;
        result = { status, error: stsError(status, fault.code ?? 'ServiceUnavailable', fault.message ?? 'The request has failed due to a temporary failure of the server.') };
      } else if (action === 'DecodeDiagnosticMessage') {
        result = decode(state, params, caller, requestId);
      } else {
        const e = STS_ERRORS.unsupportedAction(action);
        result = { status: e.status, error: e };
      }
    }

    let text: string;
    if (result.error) {
      const base = JSON.parse(stsErrorJson(result.error, requestId, RAM_HOST_ID).replace('product=Sts', 'product=Ram')) as Record<string, unknown>;
      if (result.error.accessDeniedDetail) base.AccessDeniedDetail = result.error.accessDeniedDetail;
      text = JSON.stringify(base);
    } else {
      text = JSON.stringify(result.json);
    }
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
      action: `ram:${action}`,
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

function decode(state: OssServerState, params: Map<string, string>, caller: Caller, requestId: string): RamResult {
  if (!allows(ramActionsOf(state, caller), DECODE)) {
    // RAM's refusal of an API call: NoPermission with the documented text and an AccessDeniedDetail
    // whose own diagnostic message says the caller lacks ram:DecodeDiagnosticMessage (the API
    // reference's example decodes exactly such a message: AuthAction ram:DecodeDiagnosticMessage).
    const p = caller.principal;
    const type = caller.type === 'assumed-role' ? 'AssumedRoleUser' : caller.type === 'root' ? 'Account' : 'SubUser';
    const display = caller.type === 'assumed-role' ? `${p.roleArn?.slice(p.roleArn.indexOf(':role/') + 6)}:${p.sessionName}` : caller.uid;
    const encoded = state.diagnostics.encode({
      ExplicitDeny: false,
      NoPermissionPolicyType: 'AccountLevelIdentityBasedPolicy',
      AuthAction: DECODE,
      AuthResource: '*',
      AuthPrincipal: { AuthPrincipalType: type, AuthPrincipalOwnerId: p.accountId, AuthPrincipalDisplayName: display },
      AuthConditions: [],
      MatchedPolicies: [],
    });
    const e = STS_ERRORS.noPermissionNotAuthorized();
    return {
      status: e.status,
      error: {
        ...e,
        accessDeniedDetail: {
          AuthAction: DECODE,
          AuthPrincipalType: type,
          AuthPrincipalOwnerId: p.accountId,
          AuthPrincipalDisplayName: display,
          NoPermissionType: 'ImplicitDeny',
          PolicyType: 'AccountLevelIdentityBasedPolicy',
          EncodedDiagnosticMessage: encoded,
        },
      },
    };
  }
  const encoded = params.get('EncodedDiagnosticMessage');
  const decoded = encoded ? state.diagnostics.decode(encoded) : undefined;
  if (!decoded) {
    // Not documented: the status, code and text for a missing or unreadable message are this server's.
    return { status: 400, error: stsError(400, 'InvalidParameter.EncodedDiagnosticMessage', 'The parameter EncodedDiagnosticMessage is invalid.') };
  }
  return { status: 200, json: { RequestId: requestId, DecodedDiagnosticMessage: decoded } };
}
