// Object ownership evidence for reader denials (issue 15, Deliver item 3). Provider-neutral: the inputs
// are the bucket's Object Ownership setting, the bucket owner and the canary object's owner (as their
// ACL documents name them, whoever wrote the object), and whether the probed identity wrote the object;
// the remedy's texts are the provider's (src/providers/<p>/ownership.ts).
//
// The case (S3 user guide, about-object-ownership; re:Post s3-bucket-owner-access): with ACLs enabled
// (ObjectWriter, or BucketOwnerPreferred when the writer sent no bucket-owner-full-control, or no setting
// stored on a bucket older than the setting) the writing account owns what it writes, and the bucket
// owner's principals get a bare 403 unless the object's ACL grants them. Under BucketOwnerEnforced the
// bucket owner owns every object and ACLs do not affect access, so ownership never explains a denial.
// The source `acl` is named only with all the evidence; anything missing leaves it undetermined.

import type { OwnershipRemedy } from './adapter.js';
import { checkRow } from './checks.js';
import type { CheckResult, ObjectOwnershipDescription, OwnerRecord, OwnershipFinding } from './model.js';

type Setting = ObjectOwnershipDescription['setting'];

/** The evidence, whoever wrote the object. */
export interface OwnershipEvidence {
  setting: Setting;
  /** Why the setting is unknown (`not-configured`: no setting stored, so ACLs are enabled). */
  settingWhy?: ObjectOwnershipDescription['why'];
  bucketOwner: OwnerRecord | null;
  /** The canary object's key and owner; `objectOwnerNote`: why the owner is unknown. */
  objectKey: string;
  objectOwner: OwnerRecord | null;
  objectOwnerNote?: string;
  /** The probed identity wrote the object itself: its account owns it whenever ACLs decide. */
  readerWrote: boolean;
}

/** The reads of an object a backup makes: a 403 on one of these may be the ownership case. */
export const OBJECT_READ_OPERATIONS = ['getObject', 'headObject', 'getObjectVersion', 'getObjectTagging', 'getObjectAcl'] as const;

/** Per setting (data): do ACLs decide who owns an object another account writes, and in what words. */
export const SETTING_TABLE: Record<Exclude<Setting, 'unknown'> | 'not-configured', { aclsDecide: boolean; says: string }> = {
  BucketOwnerEnforced: { aclsDecide: false, says: 'Object Ownership is BucketOwnerEnforced: ACLs are disabled and the bucket owner owns every object' },
  BucketOwnerPreferred: { aclsDecide: true, says: 'Object Ownership is BucketOwnerPreferred: an object written without bucket-owner-full-control stays owned by its writer' },
  ObjectWriter: { aclsDecide: true, says: 'Object Ownership is ObjectWriter: the writing account owns what it writes' },
  'not-configured': { aclsDecide: true, says: 'the bucket has no Object Ownership setting (made before the setting existed, or it was deleted): ACLs are enabled and the writing account owns what it writes' },
};

/** Which row of SETTING_TABLE applies; null: the setting is not known. */
function settingRow(ev: OwnershipEvidence): (typeof SETTING_TABLE)[keyof typeof SETTING_TABLE] | null {
  if (ev.setting !== 'unknown') return SETTING_TABLE[ev.setting];
  return ev.settingWhy === 'not-configured' ? SETTING_TABLE['not-configured'] : null;
}

const named = (o: OwnerRecord): string => (o.displayName ? `${o.id} (${o.displayName})` : o.id);

/**
 * The finding for one check, or null when the check is not a reader denial on the canary object whose
 * response names no cause (a response that names a policy keeps it; the classifier's denial is never
 * changed here).
 */
export function ownershipFinding(check: CheckResult, ev: OwnershipEvidence, remedy?: OwnershipRemedy): OwnershipFinding | null {
  const op = checkRow(check.id)?.op;
  const d = check.denial;
  if (!op || !(OBJECT_READ_OPERATIONS as readonly string[]).includes(op)) return null;
  if (check.outcome !== 'denied' || !d || d.httpStatus !== 403 || d.source !== 'unknown') return null;
  if (check.key !== undefined && check.key !== ev.objectKey) return null;
  const base = { setting: ev.setting, objectOwner: ev.objectOwner, bucketOwner: ev.bucketOwner };
  const row = settingRow(ev);
  if (row && !row.aclsDecide) return { source: 'ruled-out', why: `${row.says}, so object ownership does not explain this denial.`, ...base };
  if (ev.objectOwner && ev.bucketOwner && ev.objectOwner.id === ev.bucketOwner.id) {
    return { source: 'ruled-out', why: `The canary object is owned by the bucket owner (${named(ev.bucketOwner)}), so object ownership does not explain this denial.`, ...base };
  }
  if (ev.readerWrote) {
    // Whenever ACLs decide, the writer's account owns the object and its ACL grants the owner full control.
    return { source: 'ruled-out', why: 'The probed identity wrote the canary itself: whenever ACLs decide ownership its own account owns it, so object ownership does not explain this denial.', ...base };
  }
  const missing: string[] = [];
  if (!row) missing.push(`the bucket's Object Ownership (${ev.settingWhy ?? 'unknown'})`);
  if (!ev.objectOwner) missing.push(`the canary object's owner${ev.objectOwnerNote ? ` (${ev.objectOwnerNote})` : ''}`);
  if (!ev.bucketOwner) missing.push('the bucket owner');
  if (missing.length) return { source: 'undetermined', why: `Whether another account's ownership of the object explains this denial is undetermined: ${missing.join(', ')} could not be read.`, ...base };
  const f: OwnershipFinding = {
    source: 'acl',
    why: `${row!.says}; the canary object is owned by ${named(ev.objectOwner!)}, not by the bucket owner ${named(ev.bucketOwner!)}: the bucket owner's policies do not reach an object another account owns unless its ACL grants them.`,
    ...base,
  };
  if (remedy) f.fix = { kind: 'bucket-setting', setting: remedy.setting, request: remedy.request, action: remedy.action, change: remedy.change, breaks: [...remedy.breaks], proven: false, docs: [...remedy.docs] };
  return f;
}

/** Annotate every check of a run: the get-object-acl check's object owner, and each reader denial's finding. */
export function annotateOwnership(checks: CheckResult[], ev: OwnershipEvidence, remedy?: OwnershipRemedy): void {
  for (const c of checks) {
    if (c.id === 'get-object-acl' && ev.objectOwner && c.outcome !== 'skipped') c.objectOwner = { ...ev.objectOwner };
    const f = ownershipFinding(c, ev, remedy);
    if (f) c.ownership = f;
  }
}
