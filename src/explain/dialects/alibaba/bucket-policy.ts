// OSS PutBucketPolicy rules that go beyond the shared grammar.
// EC 0030-00000008 (help.aliyun.com/zh/oss/user-guide/0030-00000008; "Bucket Policy", Important):
// a bucket-policy statement whose Condition uses acs:SourceIp must also use acs:SourceVpc (public
// addresses: `StringNotLike acs:SourceVpc vpc-*`), because acs:SourceIp alone cannot tell a public
// address from the same address inside another VPC. OSS refuses new or modified policies without it;
// existing ones keep working.

function conditionKeys(statement: unknown): string[] {
  if (typeof statement !== 'object' || statement === null) return [];
  const cond = (statement as Record<string, unknown>).Condition;
  if (typeof cond !== 'object' || cond === null) return [];
  return Object.values(cond as Record<string, unknown>).flatMap((block) =>
    typeof block === 'object' && block !== null ? Object.keys(block).map((k) => k.toLowerCase()) : [],
  );
}

/** Indexes of the statements that use acs:SourceIp without acs:SourceVpc (EC 0030-00000008). */
export function sourceIpWithoutVpc(statements: unknown[]): number[] {
  const out: number[] = [];
  statements.forEach((s, i) => {
    const keys = conditionKeys(s);
    if (keys.includes('acs:sourceip') && !keys.includes('acs:sourcevpc')) out.push(i);
  });
  return out;
}

/** The statements of a bucket-policy document (object or JSON text), or [] when it has none. */
export function statementsOf(document: unknown): unknown[] {
  let doc = document;
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc);
    } catch {
      return [];
    }
  }
  if (typeof doc !== 'object' || doc === null) return [];
  const st = (doc as Record<string, unknown>).Statement;
  return Array.isArray(st) ? st : st === undefined ? [] : [st];
}

export const SOURCE_IP_NEEDS_VPC =
  'OSS refuses a bucket policy that uses acs:SourceIp without acs:SourceVpc (EC 0030-00000008); for public addresses add "StringNotLike": {"acs:SourceVpc": ["vpc-*"]}';
