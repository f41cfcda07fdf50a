// Hint templates for Alibaba Cloud OSS and STS, by id. rules.ts names one per row; classify.ts fills
// the `{placeholders}` (see `hintVars`). A hint says only what this run did and saw: the session
// policy is "the one passed with --session-policy" only when one was passed, "run with --explain"
// appears only when --explain was off, a wrong endpoint never proposes the --region already used.

export const ALIBABA_HINTS = {
  // --- no answer ---------------------------------------------------------------------------
  'network.refused': 'Nothing accepted the connection at {endpoint}; check {endpointFlag} (host, port, http or https) and that the service is running.',
  'network.dns': "The host of {endpoint} does not resolve; check --region{dnsFlags} and this machine's DNS.",
  'network.reset': 'The connection to {endpoint} was closed mid-request; check http or https, proxies and firewalls, then rerun.',
  'network.timeout': 'No answer from {endpoint} within the timeout; check that it is reachable from here (proxy, firewall, security group, VPC) or raise --timeout.',
  'network.abort': 'The request to {endpoint} was aborted before it finished (interrupted); rerun to get an answer.',
  'network.unreachable': "There is no network route to {endpoint}; check the endpoint and this machine's network or proxy settings.",
  'network.tls': "The TLS certificate of {endpoint} was not accepted ({code}); use the certificate's host name in the endpoint or trust its CA (NODE_EXTRA_CA_CERTS).",
  'network.other': 'Reaching {endpoint} failed ({code}); check the endpoint, reachability and --timeout.',
  'local.no-credentials':
    'No usable source credentials were found: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, a profile in ~/.aliyun/config.json or ~/.alibabacloud/credentials (--profile), an ECS RAM role, or RRSA/OIDC (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE){beforeAssuming}.',
  'local.failure': '{action} failed before reaching {endpoint} ({code}{messageNote}); rerun, and report it if it persists.',

  // --- STS ---------------------------------------------------------------------------------
  'sts.credentials.disabled': 'The AccessKey of the source credentials is disabled; enable it in the RAM console or use another key.',
  'sts.credentials.unknown-key': 'STS at {endpoint} does not know the AccessKey ID of the source credentials (deleted, or of another site such as the China vs international site); check ALIBABA_CLOUD_ACCESS_KEY_ID or the profile.',
  'sts.credentials.signature': 'STS could not verify the signature: the AccessKey secret does not belong to the AccessKey ID of the source credentials, or a proxy changed the request; check the secret.',
  'sts.credentials.token-expired': 'The security token of the source credentials has expired; refresh them (ALIBABA_CLOUD_SECURITY_TOKEN, the profile, ECS RAM role or OIDC token) and rerun.',
  'sts.credentials.token': 'STS rejected the security token of the source credentials ({code}); send the token that belongs to the AccessKey (ALIBABA_CLOUD_SECURITY_TOKEN), or unset it for a long-term key.',
  'sts.root': 'Roles cannot be assumed with the AccessKey of an Alibaba Cloud account (root); use a RAM user (or RAM role) that may call sts:AssumeRole on {role}.',
  'sts.no-permission.not-authorized':
    'STS refused sts:AssumeRole on {role} ("You should be authorized by RAM"), which Alibaba Cloud documents for three causes: the source credentials are the AccessKey of an Alibaba Cloud account (root), the caller has no RAM policy allowing sts:AssumeRole on the role (e.g. AliyunSTSAssumeRoleAccess), or the trust policy of {roleName} does not name the caller (a role trusted only by an Alibaba Cloud service cannot be assumed by a user){explainTrust}',
  'sts.no-permission.maybe':
    'STS refused sts:AssumeRole on {role} without saying which check failed; Alibaba Cloud documents three causes: the caller has no RAM policy allowing sts:AssumeRole on the role (e.g. AliyunSTSAssumeRoleAccess), the trust policy of {roleName} does not name the caller or its account (RAM console > Roles > {roleName} > Trust Policy) or its sts:ExternalId condition does not match{externalIdNote}, or the role is a service role (trusted only by an Alibaba Cloud service){explainTrust}',
  'sts.no-permission':
    "STS refused sts:AssumeRole on {role} ({code}{messageNote}) without saying why: check the caller's RAM policies (sts:AssumeRole on the role), the role's trust policy and its sts:ExternalId condition{externalIdNote}, and that the role is not a service role{explainTrust}",
  'sts.role-missing': 'Role {role} does not exist; check the account id and the role name in the ARN (RAM console > Roles).',
  'sts.duration': "--duration{durationNote} exceeds the MaxSessionDuration of {role} ({messageOrCode}); lower --duration or raise MaxSessionDuration in the RAM console.",
  'sts.policy-grammar': 'STS rejected the session policy ({messageOrCode}); an Alibaba Cloud policy needs "Version": "1" and Statements with Effect, Action and Resource (acs: ARNs), at most 2048 characters.',
  'sts.session-name': 'STS rejected the session name: 2 to 64 characters of letters, digits and . @ - _ (--session-name).',
  'sts.bad-parameters': 'STS rejected the AssumeRole parameters ({code}{messageNote}); check the role ARN, --session-name, --duration, --external-id and --session-policy.',
  'sts.throttled': 'STS at {endpoint} is throttling or unavailable ({code}, HTTP {status}){attempts}; rerun later.',
  'sts.server-error': 'STS at {endpoint} failed with HTTP {status} {code}{attempts}; rerun, and if it persists report it{idNote}.',
  'sts.no-such-action': '{endpoint} does not offer STS AssumeRole ({code}); check --sts-endpoint.',
  'sts.forbidden': "STS refused sts:AssumeRole on {role} ({code}{messageNote}); check the caller's RAM policies and the role's trust policy.",
  'sts.rejected': 'STS rejected AssumeRole with {code} (HTTP {status}){messageNote}; check the request settings{idNote}.',

  // --- OSS credentials (EC family 0002) -------------------------------------------------------
  'oss.credentials.token-expired.role':
    "The STS token of {session} has expired (EC 0002-00000007){durationNote2}: rerun, or assume the role for longer with --duration (up to the role's MaxSessionDuration, set in the RAM console). If it expires at once, check this machine's clock and that OSS and --sts-endpoint belong together.",
  'oss.credentials.token-expired.source': 'The security token of the source credentials has expired (EC 0002-00000007): refresh them (ALIBABA_CLOUD_SECURITY_TOKEN, the profile, or the ECS RAM role) and rerun.',
  'oss.credentials.token-of-other-key': 'The security token was sent with an AccessKey ID it does not belong to (EC 0002-00000008); use the AccessKey ID, secret and token of {session} together.',
  'oss.credentials.token-invalid': 'OSS does not accept the security token of {session} (EC {ecOrNone}): it is malformed or from another STS; check --sts-endpoint and that the token is sent unchanged.',
  'oss.credentials.unknown-key.role': 'OSS does not know the AccessKey ID of {session}: the STS token comes from an STS that OSS does not trust (check --sts-endpoint against --endpoint) or has expired.',
  'oss.credentials.unknown-key.source': 'OSS does not know the AccessKey ID of the source credentials (deleted, or of another account); check ALIBABA_CLOUD_ACCESS_KEY_ID or the profile.',
  'oss.credentials.signature': 'The signature does not match: the AccessKey secret does not belong to the AccessKey ID of {session}, or a proxy changed the request; check the secret.',
  'oss.credentials.clock': "This machine's clock is too far from OSS's (more than 15 minutes); fix the clock (NTP or chrony) and rerun.",
  'oss.credentials.other': 'OSS rejected the authentication of {session} ({code}{ecComma}{messageNote}); check the credentials.',

  // --- OSS: wrong endpoint (EC 0003-00001403) ---------------------------------------------------
  'oss.wrong-endpoint.region': 'Bucket {bucket} is not served at {endpoint}; OSS names {endpointNamed}: OSS buckets live in one region, so rerun with that region (--region {namedRegion}) or --endpoint.',
  'oss.wrong-endpoint.endpoint': 'Bucket {bucket} is not served at {endpoint}; OSS names {endpointNamed}{namedRegionNote}: rerun with --endpoint https://{endpointNamed}.',
  'oss.wrong-endpoint.unnamed': "Bucket {bucket} is not served at {endpoint}: OSS buckets live in one region; find the bucket's region (OSS console, bucket overview) and rerun with that --region or --endpoint.",

  // --- OSS refusals ---------------------------------------------------------------------------
  'oss.hotlink': "The hotlink protection (Referer whitelist/blacklist) of bucket {bucket} refused this request{ecNote}; backup clients send no Referer: allow empty Referers in the bucket's hotlink protection, or list the backup path there.",
  'oss.header-permission': '{Subject} lacks the permission a request header needs{ecNote} ({messageOrHeaderExample}); add that action for {grant} in the RAM console.',
  'oss.not-yours': "OSS says bucket {bucket} does not belong to the account of {subject}{ecNote}: check the bucket name, or grant the role access in the bucket owner's bucket policy.",
  'oss.object-acl-read':
    "OSS refused reading an object's ACL (GetObjectAcl){ecNote}: the request was unsigned, its AccessKey is invalid, or {subject} lacks oss:GetObjectAcl; this canary never reads ACLs itself, so check what sent it.",
  'oss.bucket-policy.explicit':
    "A Deny statement in the bucket policy of {bucket} matches {authAction} by {subject}{ecNote}, typically a condition such as acs:SourceIp or acs:SourceVpc that admits only office or VPC networks. Keep that restriction and add an exception for the backup role rather than removing it: exclude {bucket}/{prefix}* from that statement's Resource, or add the network the backup runs from to its acs:SourceIp/acs:SourceVpc values (OSS bucket policies have no principal-ARN condition key to exempt {roleName} by name). OSS refuses a changed bucket policy whose statement uses acs:SourceIp without acs:SourceVpc (EC 0030-00000008): keep or add acs:SourceVpc in that statement, for public addresses \"StringNotLike\": {\"acs:SourceVpc\": [\"vpc-*\"]}{explainStatement}",
  'oss.bucket-policy.implicit':
    "The bucket policy of {bucket} does not grant {authAction} to {subject}{ecNote}: grant it in the role's RAM policy (same account) or add an Allow statement for the role's account UID on {objectResource} to the bucket policy (another account).",
  'oss.ram-policy.explicit':
    'A Deny statement in a RAM policy of {subject} matches {authAction} on {grant}{ecNote}; in the RAM console (Identities > Roles > {roleName} > Permissions) narrow that Deny or exclude the backup prefix, instead of adding Allows{explainStatement}',
  'oss.ram-policy.implicit': 'No RAM policy of {subject} allows {authAction}{ecNote}: in the RAM console attach a policy to {roleName} allowing {authAction} on {grant}.',
  'oss.ram-policy.unsaid':
    'The RAM policies of {subject} refuse {authAction}{ecNote}; OSS did not say whether a Deny matched or no Allow did: look for a Deny covering {grant}, else attach a policy allowing {authAction} on it{explainStatement}',
  'oss.session-policy.explicit': 'A Deny in {sessionPolicy} matches {authAction}{ecNote}; remove it from the session policy.',
  'oss.session-policy.implicit': '{SessionPolicy} does not allow {authAction}{ecNote}; add {authAction} on {grant} to it (a session policy only narrows the role), or pass none.',
  'oss.control-policy': 'A control policy of the Resource Directory denies {authAction} for this account{ecNote}; ask the Resource Directory administrators for an exception for {subject} (RAM and bucket policies cannot override it).',
  'oss.vpc-policy':
    'The policy of the VPC gateway endpoint this request went through (a VPC policy, set in the VPC console under Endpoints > Gateway Endpoints) does not let {subject} perform {authAction} on {bucket}{ecNote}; allow the bucket in that endpoint policy.',
  'oss.kms': 'KMS refused the key that encrypts bucket {bucket}{ecNote}: {subject} needs kms:GenerateDataKey (uploads) and kms:Decrypt (downloads, multipart) on that key in its RAM policy, and the key must be enabled.',
  'oss.acl': 'The ACL of bucket {bucket} (or of the object, or Block Public Access) refuses {authAction}{ecNote}; grant {authAction} on {grant} to {subject} in its RAM policy rather than opening the ACL.',
  'oss.unnamed':
    "OSS refused {authAction} on {bucket}/{keyOrPrefix} to {subject}{ecNote} without naming the policy{ec0001Note}: check the role's RAM policies and the bucket policy of {bucket}{explainStatement}",

  // --- OSS errors that are not refusals ----------------------------------------------------------
  'oss.worm-retained':
    "The bucket's WORM retention policy keeps {canaryKey} until its retention period (counted from its last write) ends: nobody may delete or overwrite it before then. Expected on a WORM bucket; a canary kept this way is reported with its date.",
  'oss.file-exists':
    'An object already exists at the canary key {canaryKey}; x-oss-forbid-overwrite made OSS refuse to write over it, so it is untouched and backup-canary will not delete it. Find what wrote it (canary keys are unique per run) and rerun.',
  'oss.no-such-bucket': 'Bucket {bucket} does not exist at {endpoint}: check the bucket name and that it belongs to this account (OSS answers a bucket of another region with EC 0003-00001403, not NoSuchBucket).',
  'oss.no-such-key': 'The canary object{keyNote} is not there for {action}: an earlier step did not create it, or something (a lifecycle rule, another process) removed it.',
  'oss.no-such-upload': 'The multipart upload of {canaryKeyName} no longer exists (completed, aborted, or removed by a lifecycle rule); rerun the probe.',
  'oss.entity-too-small': 'OSS refuses parts other than the last below 100 KB; raise --part-size.',
  'oss.unsupported': '{endpoint} does not support {action} ({code}); check that --endpoint points at OSS.',
  'oss.throttled': 'OSS at {endpoint} is throttling or unavailable ({code}, HTTP {status}){attempts}; rerun later or with fewer runs in parallel.',
  'oss.server-error': 'OSS at {endpoint} failed with HTTP {status} {code}{attempts}; rerun, and if it persists report it to Alibaba Cloud support{idNote}.',
  'oss.rejected': 'OSS rejected {action} with {code} (HTTP {status}{ecComma}){messageNote}; check the request settings{idNote}.',
} as const satisfies Record<string, string>;

export type AlibabaHintId = keyof typeof ALIBABA_HINTS;
