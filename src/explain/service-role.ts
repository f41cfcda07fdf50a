// Service-trusted and service-linked roles (issue 11 item 4). A role whose trust policy admits only
// service principals (backup.amazonaws.com, polardb.aliyuncs.com), or a service-linked role (AWS: the
// /aws-service-role/ path or AWSServiceRoleFor*; Alibaba: AliyunServiceRoleFor*), can never be assumed
// by a canary: the service itself assumes it. Widening its trust policy would widen who can act as
// the backup role (and a service-linked role's trust cannot be edited at all), so no trust change is
// proposed; the safe paths are a canary twin role (`policy --twin-role NAME`) and evaluating the bucket
// policy as the real role meets it (`--backup-principal`).
// AWS: "Using service-linked roles" (IAM User Guide): service-linked roles are predefined by the
// service, their trust policy cannot be edited, and they are exempt from SCPs. Alibaba: "Service-linked
// roles" (RAM documentation): AliyunServiceRoleFor<Service> roles are created and trusted by the service.

import type { CheckResult, RunResult } from '../core/model.js';

export interface ServiceRoleFinding {
  role: string;
  serviceLinked: boolean;
  /** The services the trust policy admits (empty for a service-linked role whose trust was not read). */
  services: string[];
}

export function isServiceLinked(roleArn: string): boolean {
  return /:role\/aws-service-role\//.test(roleArn) || /:role\/(?:[^:]*\/)?(AWSServiceRoleFor|AliyunServiceRoleFor)[^/]*$/i.test(roleArn);
}

function list(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

/** The services a trust policy admits, when it admits nothing but services; null otherwise. */
export function servicesOnly(trust: unknown): string[] | null {
  const doc = typeof trust === 'string' ? (JSON.parse(trust) as unknown) : trust;
  const raw = typeof doc === 'object' && doc !== null ? (doc as { Statement?: unknown }).Statement : undefined;
  const sts = (raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]) as Array<Record<string, unknown>>;
  const services: string[] = [];
  for (const s of sts) {
    if (s.Effect !== 'Allow') continue;
    const p = s.Principal;
    if (p === '*' || typeof p !== 'object' || p === null) return null;
    for (const [type, v] of Object.entries(p as Record<string, unknown>)) {
      if (type === 'Service') services.push(...list(v));
      else return null; // an AWS/RAM/Federated principal: someone other than a service may assume it
    }
  }
  return services.length ? [...new Set(services)] : null;
}

function assumeCheck(r: RunResult): CheckResult | undefined {
  return r.checks.find((c) => c.action === 'sts:AssumeRole' && c.outcome === 'denied');
}

/** The finding, when AssumeRole was refused and the role is one only a service can assume. */
export function serviceRoleFinding(r: RunResult): ServiceRoleFinding | null {
  const role = r.target.role;
  const check = assumeCheck(r);
  if (!role || !check) return null;
  const linked = isServiceLinked(role);
  const trustName = check.explain?.input?.policies.trust;
  const trust = typeof trustName === 'string' ? r.explain?.policies?.[trustName] : undefined;
  const services = trust !== undefined ? servicesOnly(trust) : null;
  if (!linked && !services) return null;
  return { role, serviceLinked: linked, services: services ?? [] };
}

/** Replace any trust-widening advice on the refused AssumeRole with the safe paths. */
export function adviseServiceRole(r: RunResult): void {
  const f = serviceRoleFinding(r);
  const check = assumeCheck(r);
  if (!f || !check?.denial) return;
  const who = f.services.length ? f.services.join(', ') : 'its service';
  const name = /\/([^/]+)$/.exec(f.role)?.[1] ?? 'backup';
  const what = f.serviceLinked ? `${f.role} is a service-linked role (trusted by ${who}; its trust policy cannot be changed)` : `the trust policy of ${f.role} admits only ${who}`;
  check.denial.hint =
    `${what}: a canary cannot stand in for ${who}, and no trust-policy change on the production role is proposed (it would widen who can act as the backup role). ` +
    `Instead: (a) \`backup-canary policy --twin-role ${name}-canary-twin --twin-caller <your canary's ARN>\` prints a canary twin role with the same permission policies, trusted only by the canary's caller; ` +
    `(b) probe the twin with --explain --backup-principal ${f.services[0] ?? f.role} (or ${f.role}) to evaluate the bucket policy as the real role meets it.`;
  delete check.denial.fix;
  if (check.explain) check.explain.serviceRole = { role: f.role, serviceLinked: f.serviceLinked, services: f.services };
}
