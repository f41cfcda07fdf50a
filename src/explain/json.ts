// Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys silently ("Statement"
// twice loses the first list); RFC 8259 says names SHOULD be unique and AWS refuses such a policy.
// A small scanner over the text: strings are skipped with their escapes, each object keeps the set
// of its own keys.

export interface DuplicateKey {
  key: string;
  /** Where: the enclosing keys, e.g. `Statement[0].Condition`. */
  path: string;
}

export function findDuplicateKey(text: string): DuplicateKey | null {
  type Frame = { kind: 'object'; keys: Set<string>; path: string; pendingKey: string | null } | { kind: 'array'; path: string; index: number };
  const stack: Frame[] = [];
  let i = 0;
  const n = text.length;
  let expectKey = false;
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    if (top.kind === 'array') return `${top.path}[${top.index}]`;
    return top.path ? `${top.path}.${top.pendingKey ?? ''}` : (top.pendingKey ?? '');
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < n && text[j] !== '"') {
        if (text[j] === '\\') {
          s += text.slice(j, j + 2);
          j += 2;
        } else s += text[j++];
      }
      const top = stack[stack.length - 1];
      if (expectKey && top && top.kind === 'object') {
        let key: string;
        try {
          key = JSON.parse(`"${s}"`) as string;
        } catch {
          key = s;
        }
        if (top.keys.has(key)) return { key, path: top.path };
        top.keys.add(key);
        top.pendingKey = key;
        expectKey = false;
      }
      i = j + 1;
      continue;
    }
    if (c === '{') {
      stack.push({ kind: 'object', keys: new Set(), path: childPath(), pendingKey: null });
      expectKey = true;
    } else if (c === '[') {
      stack.push({ kind: 'array', path: childPath(), index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.kind === 'object') expectKey = true;
      else if (top?.kind === 'array') top.index++;
    }
    i++;
  }
  return null;
}
