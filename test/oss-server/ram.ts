// RAM endpoint (Alibaba OpenAPI, RPC style, ACS3-HMAC-SHA256 signed, as sts.ts): DecodeDiagnosticMessage
// (RAM API reference "DecodeDiagnosticMessage",
// https://www.alibabacloud.com/help/en/ram/developer-reference/api-ram-2015-05-01-decodediagnosticmessage;
// example body at help.aliyun.com/document_detail/2362772.html). The request is
// `POST /?EncodedDiagnosticMessage=...` with `x-acs-action: DecodeDiagnosticMessage`,
// `x-acs-version: 2015-05-01` (the @alicloud/ram20150501 client). The caller's own RAM policies must
// allow `ram:DecodeDiagnosticMessage` (resource `*`, "RAM authorization"): PrincipalSpec.ramActions /
// RoleSpec.ramActions. Other RAM actions answer InvalidAction.NotFound.

import { STS_ERRORS, stsError, stsErrorJson } from './errors.js';
import { type OssServerState, type Script } from './state.js';
import { acsHandler, type AcsResult, type Caller } from './sts.js';

const RAM_HOST_ID = 'ram.aliyuncs.com';
const DECODE = 'ram:DecodeDiagnosticMessage';

type RamResult = AcsResult;

/** The RAM actions the caller's own policies allow (omitted: none). */
function ramActionsOf(state: OssServerState, caller: Caller): string[] {
  if (caller.type === 'assumed-role') return (caller.roleArn && state.findRole(caller.roleArn)?.ramActions) || [];
  return state.accessKeys.get(caller.principal.accessKeyId)?.principal.ramActions ?? [];
}

function allows(actions: string[], action: string): boolean {
  return actions.some((a) => a === '*' || a.toLowerCase() === 'ram:*' || a.toLowerCase() === action.toLowerCase());
}

export function createRamHandler(state: OssServerState, script: Script) {
  return acsHandler(state, script, {
    service: 'ram',
    dispatch({ action, params, requestId }, caller) {
      if (action === 'DecodeDiagnosticMessage') return decode(state, params, caller, requestId);
      const e = STS_ERRORS.unsupportedAction(action);
      return { status: e.status, error: e };
    },
    errorText(e, requestId) {
      const base = JSON.parse(stsErrorJson(e, requestId, RAM_HOST_ID).replace('product=Sts', 'product=Ram')) as Record<string, unknown>;
      if (e.accessDeniedDetail) base.AccessDeniedDetail = e.accessDeniedDetail;
      return JSON.stringify(base);
    },
  });
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
