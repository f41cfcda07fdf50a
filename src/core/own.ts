// Lookups by a name that came from outside (a flag, a policy, a run file, a server's answer) into a
// table of known names: only the table's own entries count, never `constructor` or `__proto__`
// inherited from Object.prototype.

export function own<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}
