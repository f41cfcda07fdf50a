// A canary twin of a backup role that only a service can assume (issue 11 item 4): the same
// permission policies, trusted only by the canary's caller, with an external id and a session-name
// condition. The production role's trust policy is never widened. What does not carry over is said:
// bucket policies that name the real role (evaluate them with --backup-principal), and a
// service-linked role's exemption from control policies (SCPs do not apply to service-linked roles:
// "Using service-linked roles", IAM User Guide).
// AWS trust-policy keys: sts:ExternalId and sts:RoleSessionName ("Available keys for AWS STS").
// Alibaba RAM trust policies: sts:ExternalId ("Condition keys of STS", RAM documentation); a session
// name condition is not documented there, so none is written for Alibaba.

import type { GeneratedPolicy } from './generate.js';

export interface TwinRoleInput {
  name: string;
  provider: 'aws' | 'alibaba';
  caller: string;
  externalId: string;
  /** The permission policy the twin needs (the least-privilege one for the probe definition). */
  permissions: GeneratedPolicy;
  realRole: string | null;
}

export interface TwinRole {
  name: string;
  trust: Record<string, unknown>;
  permissions: GeneratedPolicy['identity'];
  sessionNamePattern: string | null;
  externalId: string;
  doesNotCarryOver: string[];
  probeWith: string;
}

export function twinRole(o: TwinRoleInput): TwinRole {
  const aws = o.provider === 'aws';
  const session = aws ? 'backup-canary-*' : null;
  const condition: Record<string, Record<string, string>> = { StringEquals: { 'sts:ExternalId': o.externalId } };
  if (session) condition.StringLike = { 'sts:RoleSessionName': session };
  const trust = aws
    ? { Version: '2012-10-17', Statement: [{ Sid: 'CanaryCallerOnly', Effect: 'Allow', Principal: { AWS: o.caller }, Action: 'sts:AssumeRole', Condition: condition }] }
    : { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [o.caller] }, Action: 'sts:AssumeRole', Condition: condition }] };
  const real = o.realRole ?? 'the real role';
  const doesNotCarryOver = [
    `bucket policies that name ${real}: the twin is not named by them; evaluate them as the real role meets them with --backup-principal ${o.realRole ?? 'ARN'}`,
    aws
      ? 'a service-linked role\'s exemption from service control policies: SCPs apply to the twin, not to the service-linked role'
      : 'a service-linked role\'s exemption from Resource Directory control policies: they apply to the twin',
    'the service\'s own network vantage: probe from where the service calls, or evaluate it with --backup-source-ip/--backup-source-vpc',
  ];
  const probeWith = `backup-canary probe --role <the twin's ARN> --external-id ${o.externalId} --explain${o.realRole ? ` --backup-principal ${o.realRole}` : ''} ...`;
  return { name: o.name, trust, permissions: o.permissions.identity, sessionNamePattern: session, externalId: o.externalId, doesNotCarryOver, probeWith };
}
