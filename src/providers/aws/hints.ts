// Hint templates for AWS S3, STS and S3-compatible stores, by id. rules.ts names one per row;
// classify.ts fills the `{placeholders}` from the request and the evidence (see `hintVars`). A hint
// says only what this run did and saw: e.g. "run with --explain" appears only when --explain was off
// ({explainStatement}, {explainEvaluate}, {explainTrust} are empty or a full stop otherwise).

export const AWS_HINTS = {
  // --- no answer ---------------------------------------------------------------------------
  'network.refused': 'Nothing accepted the connection at {where}; check --endpoint (host, port, http or https) and that the service is running.',
  'network.dns': "The host of {where} does not resolve; check the spelling of --endpoint or --region and this machine's DNS.",
  'network.reset': 'The connection to {where} was closed mid-request; check --endpoint (http or https), proxies and firewalls, then rerun.',
  'network.timeout': 'No answer from {where} within the timeout; check that it is reachable from here (proxy, firewall, VPC endpoint) or raise --timeout.',
  'network.abort': 'The request to {where} was aborted before it finished (interrupted); rerun to get an answer.',
  'network.unreachable': "There is no network route to {where}; check --endpoint and this machine's network or proxy settings.",
  'network.tls': "The TLS certificate of {where} was not accepted ({code}); use the certificate's host name in --endpoint or trust its CA (NODE_EXTRA_CA_CERTS).",
  'network.other': 'Reaching {where} failed ({code}); check --endpoint, reachability and --timeout.',
  'local.no-credentials': 'No usable source credentials were found; set a profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY before assuming {role}.',
  'local.failure': '{action} failed before reaching {where} ({code}{messageNote}); rerun, and report it if it persists.',

  // --- credentials -------------------------------------------------------------------------
  'credentials.clock': "This machine's clock is too far from the service's{serverTimeNote}; fix the clock (enable NTP or chrony) and rerun.",
  'credentials.unknown-key.role-session': '{Where} does not know the access key of {session}; check that S3 and STS are the same service and partition and that the credentials are current.',
  'credentials.unknown-key.source': '{Where} does not know the access key of the source credentials (or it is inactive, or AWS_SESSION_TOKEN belongs to other keys); check the profile or environment and that the keys belong to this partition or endpoint.',
  'credentials.signature': 'The signature does not match: the secret key does not belong to the access key of {session}, or a proxy changed the request; check the secret key.',
  'credentials.expired.role-session': "The session of {role} expired during the run; rerun, or assume the role for longer (DurationSeconds within the role's maximum).",
  'credentials.expired.source': 'The session token of the source credentials has expired; refresh them (e.g. a new SSO or MFA session) and rerun.',
  'credentials.invalid-token': 'The session token sent with {session} is malformed or does not belong to its access key; make sure AWS_SESSION_TOKEN matches the keys (unset it for long-term keys).',
  'credentials.other': '{Where} rejected the authentication of {session} ({code}{messageNote}); check the credentials and the region the client signs for.',

  // --- the policy named by an enhanced message ({t*}: the refused action, its resource, whose policy) ---
  'policy.identity.explicit': 'A Deny statement in a policy attached to {tSubject}{named} matches {tAction} on {tResource}; narrow that Deny (or exempt this prefix) instead of adding Allows{explainStatement}',
  'policy.identity.implicit': 'Add {tAction} on {tResource} to a policy of {tSubject}.',
  'policy.resource.explicit': 'A Deny statement in {tPolicy} matches this request; add an exception for {tExempt} (e.g. ArnNotLike aws:PrincipalArn {tPrincipal}) instead of widening the Deny{explainStatement}',
  'policy.resource.implicit': '{TPolicy} does not allow {tSubject}: add a statement allowing {tAction} on {tResource} for that principal.',
  'policy.scp.explicit': 'A service control policy of AWS Organizations{named} denies {tAction} for this account; ask the organization admins for an exception for {tSubject} (role and bucket policies cannot override an SCP).',
  'policy.scp.implicit': "No service control policy on this account's path in AWS Organizations allows {tAction}; ask the organization admins to allow it (role and bucket policies cannot override an SCP).",
  'policy.rcp.explicit': 'A resource control policy of AWS Organizations{named} denies {tAction} on {tResource}; ask the organization admins for an exception for {tSubject} (role and bucket policies cannot override an RCP).',
  'policy.rcp.implicit': 'No resource control policy of AWS Organizations allows {tAction} on {tResource}; ask the organization admins to allow it for {tSubject}.',
  'policy.vpce.explicit': 'A Deny statement in the policy of the VPC endpoint this request went through matches {tAction} on {tResource}; add an exception there for {tSubject}.',
  'policy.vpce.implicit': 'The policy of the VPC endpoint this request went through does not allow {tAction} on {tResource}; add an Allow for {tSubject} to the endpoint policy.',
  'policy.boundary.explicit': 'A Deny statement in the permissions boundary of {tSubject}{named} matches {tAction} on {tResource}; narrow it in the boundary policy.',
  'policy.boundary.implicit': "The permissions boundary of {tSubject} does not allow {tAction}; add {tAction} on {tResource} to the boundary policy (the role's own policy is not enough).",
  'policy.session.explicit': 'A Deny statement in {sessionPolicy} matches {tAction} on {tResource}; remove it from the session policy.',
  'policy.session.implicit': '{SessionPolicy} does not allow {tAction}; add {tAction} on {tResource} to it, or pass no session policy.',

  // --- STS ---------------------------------------------------------------------------------
  'sts.root': 'Roles cannot be assumed with root credentials; use an IAM user or role that may call sts:AssumeRole on {role}.',
  'sts.identity.implicit': 'Add sts:AssumeRole on {role} to a policy of {tSubject}, and make sure the trust policy of {role} names that caller.',
  'sts.access-denied':
    "STS refused sts:AssumeRole on {role}{callerNote} without saying why; AWS answers the same when the caller's own policy lacks sts:AssumeRole on the role, when the role's trust policy does not name the caller (or its ExternalId/MFA/tag conditions fail{externalIdNote}), and when the role does not exist{rgwNote}{explainTrust}",
  'sts.role-missing': 'Role {role} does not exist at {where}; check the role ARN (account, name, path).',
  'sts.region-disabled': 'STS is not activated for this account in {regionOrThis}; activate the region in the IAM account settings or use another STS region.',
  'sts.bad-parameters': "STS rejected the AssumeRole parameters ({code}{messageNote}); check the role ARN, the session name (2-64 characters of [\\w+=,.@-]), the duration (from 900 s up to the role's maximum) and any session policy.",

  // --- S3 ----------------------------------------------------------------------------------
  's3.wrong-region.same-region': "S3 says bucket {bucket} must be addressed at {endpointOrRegionEndpoint}, although it is in {bucketRegion}, the region this run already uses: the endpoint is wrong, not the region; {endpointAdvice}.",
  's3.wrong-region.named': 'Bucket {bucket} is in region {bucketRegion}, not {regionOrConfigured}: rerun with --region {bucketRegion}{regionEndpointNote}.',
  's3.wrong-region.endpoint': "S3 says bucket {bucket} must be addressed at {endpointNamed}: use the bucket's own region (--region) or that endpoint (--endpoint).",
  's3.wrong-region.unnamed': 'Bucket {bucket} is not in {regionOrConfigured}; find its region (header x-amz-bucket-region) and rerun with --region.',
  's3.auth-header-malformed': 'S3 could not read the signature header ({messageOrCode}); check the access key id and the region the client signs for.',
  's3.kms.unusable': "The KMS key used by bucket {bucket} cannot be used ({messageOrCode}); re-enable the key or fix the bucket's default encryption key, else no backup can be written.",
  's3.kms.identity': 'Add {kmsAction} on the KMS key of bucket {bucket} to a policy of {subject} (uploads need kms:GenerateDataKey, downloads and multipart need kms:Decrypt).',
  's3.kms.refused': "The KMS key of bucket {bucket} refuses {kmsAction} to {subject}; allow it in the key policy and the role's policy (uploads need kms:GenerateDataKey, downloads and multipart need kms:Decrypt).",
  's3.acl.not-supported': 'Bucket {bucket} has ACLs disabled (Object Ownership: bucket owner enforced); send {action} without an ACL, or only bucket-owner-full-control.',
  's3.acl.block-public-access': 'S3 Block Public Access on bucket {bucket} (or its account) rejects the public ACL in this {action} request; send no ACL or a private one rather than turning Block Public Access off.',
  's3.object-lock.checksum': 'Bucket {bucket} uses Object Lock, which requires a Content-MD5 or x-amz-checksum-* header on {action}; send a checksum with the request.',
  's3.object-lock.delete': 'The canary object{keyNote} is protected by Object Lock (retention or legal hold) on bucket {bucket}; let the retention expire, remove the legal hold, or for GOVERNANCE mode grant s3:BypassGovernanceRetention to {subject}.',
  's3.object-lock': "Object Lock on bucket {bucket} refuses {action}; check the bucket's Object Lock configuration and the object's retention and legal hold.",
  's3.sse-c-blocked': 'Bucket {bucket} blocks uploads with customer-provided keys (SSE-C; default encryption BlockedEncryptionTypes); upload with SSE-S3 or SSE-KMS instead, or have the owner set BlockedEncryptionTypes to NONE.',
  's3.archived': 'The canary object is in an archive storage class (or a state) that {action} cannot read; write the canary to a prefix without a transition rule to Glacier.',
  's3.forbidden.bodiless': 'The 403 to {action} on {resourcePlain} came without a body (HEAD responses carry none), so it does not name the policy{explainEvaluate}{missingKey}',
  's3.forbidden.rgw': 'The response does not name the policy that refused {action} on {resourcePlain} to {subject} (Ceph RGW never names it, and answers an unknown key or wrong secret the same way){explainEvaluate}{missingKey}',
  's3.forbidden.unnamed': 'The response does not name the policy that refused {action} on {resourcePlain} to {subject} (AWS leaves it out across accounts and organizations and for VPC endpoint denials){explainEvaluate}{missingKey}',
  's3.no-such-bucket': 'Bucket {bucket} does not exist at {where}; check the bucket name, --endpoint and --region.',
  's3.precondition.retried': 'The canary key {canaryKey} already existed when {action} was retried{attempts}: an earlier attempt most likely wrote it and its answer was lost (a dropped connection or a timeout); cleanup removes it. Check the network path to {where} and rerun.',
  's3.precondition.exists': 'The canary key {canaryKey} already exists and the conditional create (If-None-Match: *) refused to overwrite it; delete that leftover key or rerun to use a new key.',
  's3.conditional-conflict': 'Another request was writing {canaryKeyName} at the same moment; rerun (a multipart upload has to restart from CreateMultipartUpload).',
  's3.no-such-key': 'The canary object{keyNote} is not there for {action}: an earlier step did not create it, or something (a lifecycle rule, another process) removed it.',
  's3.no-such-upload': 'The multipart upload of {canaryKeyName} no longer exists (already completed or aborted, or removed by a lifecycle rule); rerun the probe.',

  // --- either service ----------------------------------------------------------------------
  throttled: '{Where} is throttling requests ({code}, HTTP {status}){attempts}; rerun later or with fewer runs in parallel.',
  unsupported: '{Where} does not support {opName} ({code}); check that --endpoint points at the right service and that the feature is enabled there.',
  'server-error': '{Where} failed with HTTP {status} {code}{attempts}; rerun, and if it persists report it{idNote}.',
  rejected: '{serviceName} rejected {opName} with {code} (HTTP {status}){messageNote}; check the request settings{idNote}.',
} as const satisfies Record<string, string>;

export type AwsHintId = keyof typeof AWS_HINTS;
