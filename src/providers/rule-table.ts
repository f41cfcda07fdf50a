// The shape of a provider's denial rules (rules.ts) and hint templates (hints.ts), and the walker
// both classifiers use: the first row whose evidence matches decides kind, stage, source, explicit
// and the hint; the Denial carries the row's id. Provider-neutral.

import type { Operation } from '../core/adapter.js';
import type { DenialSource, DenialStage } from '../core/model.js';
import { statusFamily, type NetworkKind } from './evidence.js';

export type Kind = 'denied' | 'error';

/** The evidence a row is matched against, normalised by the provider's classify.ts. */
export interface Facts {
  service: string;
  operation: Operation;
  /** The response's Code, else a name for its status, else the network code or SDK name. */
  code: string;
  /** The Code the response itself gave; '' when it gave none (bodiless HEAD, HTML, no answer). */
  givenCode: string;
  status: number | null;
  message: string;
  /** SDK error name (e.g. CredentialsProviderError). */
  name: string;
  /** OSS EC, '' when none. */
  ec: string;
  /** OSS AccessDeniedDetail, {} when none. */
  detail: Record<string, string>;
  /** Set only when no answer came. */
  network: NetworkKind | null;
  /** Whether the request was bucket-level (listing, bucket policy) rather than object-level. */
  bucketLevel: boolean;
}

type OneOrMore<T> = T | readonly T[];

/** Declarative evidence of a row; every field given must match. */
export interface Match {
  service?: OneOrMore<string>;
  operation?: OneOrMore<Operation>;
  /** Against Facts.code; '' in a list means "the response gave no Code". */
  code?: OneOrMore<string> | RegExp;
  /** 'none': no answer at all. */
  status?: OneOrMore<number> | 'none';
  /** The status family (evidence.ts statusFamily): 'server' for any 5xx. */
  family?: 'redirect' | 'client' | 'server';
  ec?: string | RegExp;
  message?: RegExp;
  /** AccessDeniedDetail fields (OSS). */
  detail?: Record<string, RegExp>;
  network?: OneOrMore<NetworkKind>;
  name?: OneOrMore<string>;
}

/** Hint template ids by the resolved `explicit`: a Deny matched / nothing allowed / the response does not say. */
export interface HintByExplicit {
  explicit: string;
  implicit: string;
  unsaid: string;
}

export interface Rule<F extends Facts = Facts> {
  /** Stable id, carried by every Denial this row produces (e.g. `aws.s3.enhanced.resource-policy.explicit`). */
  id: string;
  match: Match;
  /** Evidence the declarative fields cannot express; each use says what it checks. */
  when?: (f: F) => boolean;
  /** `by-status`: denied for a 403, error otherwise. */
  kind: Kind | 'by-status';
  /** `by-operation`: assume-role for STS, bucket or object by the request. */
  stage: DenialStage | 'by-operation';
  source: DenialSource;
  explicit: boolean | null;
  /** Evidence that, when it says, overrides `explicit`: the enhanced reason clause (AWS) or NoPermissionType (OSS). */
  explicitFrom?: 'reason' | 'detail';
  hint: string | HintByExplicit;
  /** The Denial's code when the response's own would mislead (e.g. no request was sent). */
  code?: string;
  /** Where the behaviour this row encodes is documented (a page, or a note of this project). */
  doc: string;
}

export interface Outcome {
  kind: Kind;
  stage: DenialStage;
  explicit: boolean | null;
  hint: string;
}

function oneOf<T>(want: OneOrMore<T>, got: T): boolean {
  return Array.isArray(want) ? (want as readonly T[]).includes(got) : want === got;
}

export function matches(m: Match, f: Facts): boolean {
  if (m.service !== undefined && !oneOf(m.service, f.service)) return false;
  if (m.operation !== undefined && !oneOf(m.operation, f.operation)) return false;
  if (m.code !== undefined) {
    if (m.code instanceof RegExp) {
      if (!m.code.test(f.code)) return false;
    } else {
      const list: readonly string[] = typeof m.code === 'string' ? [m.code] : m.code;
      if (!list.some((c) => (c === '' ? f.givenCode === '' && f.status !== null : c === f.code))) return false;
    }
  }
  if (m.status !== undefined) {
    if (m.status === 'none') {
      if (f.status !== null) return false;
    } else if (f.status === null || !oneOf(m.status, f.status)) return false;
  }
  if (m.family !== undefined && statusFamily(f.status) !== m.family) return false;
  if (m.ec !== undefined && !(typeof m.ec === 'string' ? f.ec === m.ec : m.ec.test(f.ec))) return false;
  if (m.message !== undefined && !m.message.test(f.message)) return false;
  if (m.detail !== undefined) {
    for (const [k, re] of Object.entries(m.detail)) if (!re.test(f.detail[k] ?? '')) return false;
  }
  if (m.network !== undefined && (f.network === null || !oneOf(m.network, f.network))) return false;
  if (m.name !== undefined && !oneOf(m.name, f.name)) return false;
  return true;
}

/** The first row that matches; the tables end with catch-alls, so a miss is a bug in a table. */
export function firstRule<F extends Facts>(rules: readonly Rule<F>[], f: F): Rule<F> {
  for (const r of rules) if (matches(r.match, f) && (r.when === undefined || r.when(f))) return r;
  throw new Error(`no denial rule matched (code ${f.code}, status ${f.status})`);
}

/** Resolve a row's tokens against the evidence. `said` is what the reason clause or detail says, if anything. */
export function resolve<F extends Facts>(r: Rule<F>, f: F, said: { reason: boolean | null; detail: boolean | null }): Outcome {
  const kind: Kind = r.kind === 'by-status' ? (f.status === 403 ? 'denied' : 'error') : r.kind;
  const stage: DenialStage = r.stage !== 'by-operation' ? r.stage : f.service === 'sts' ? 'assume-role' : f.bucketLevel ? 'bucket' : 'object';
  const override = r.explicitFrom === 'reason' ? said.reason : r.explicitFrom === 'detail' ? said.detail : null;
  const explicit = override ?? r.explicit;
  const hint = typeof r.hint === 'string' ? r.hint : explicit === true ? r.hint.explicit : explicit === false ? r.hint.implicit : r.hint.unsaid;
  return { kind, stage, explicit, hint };
}

/**
 * Fill `{name}` placeholders. A placeholder without a value is a bug in the tables (the classify tests
 * check every template's placeholders against the variables); it stays visible rather than failing a run.
 */
export function fill(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : m));
}

/** The placeholders a template uses. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}
