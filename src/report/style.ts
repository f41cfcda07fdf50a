// How the human report may look on this output: colour, and Unicode symbols or plain ASCII.
//
// Colour, first rule that applies: --color / --no-color; FORCE_COLOR (set and not "0" or "false":
// on; "0"/"false": off; the convention of Node.js and the chalk/supports-color family); NO_COLOR
// set and not empty (https://no-color.org): off; TERM=dumb: off; else on for a terminal only.
// Symbols: plain ASCII when TERM=dumb or the locale (LC_ALL, else LC_CTYPE, else LANG, as setlocale
// reads them; none set is the "C" locale) is not UTF-8, so a serial console or a C-locale cron
// mail shows `+ x -` and `->` instead of mojibake.

export interface Style {
  color: boolean;
  unicode: boolean;
}

export function outputStyle(env: NodeJS.ProcessEnv, isTTY: boolean, colorFlag?: boolean): Style {
  return { color: wantsColor(env, isTTY, colorFlag), unicode: wantsUnicode(env) };
}

function wantsColor(env: NodeJS.ProcessEnv, isTTY: boolean, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.NO_COLOR) return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

function wantsUnicode(env: NodeJS.ProcessEnv): boolean {
  if (env.TERM === 'dumb') return false;
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(locale);
}

/** The symbols the report itself uses, in ASCII (the same characters in a key or a message are transliterated too). */
const ASCII: [string, string][] = [
  ['✓', '+'],
  ['✗', 'x'],
  ['–', '-'],
  ['→', '->'],
  ['·', '|'],
  ['…', '...'],
];

export function toAscii(text: string): string {
  let out = text;
  for (const [u, a] of ASCII) out = out.split(u).join(a);
  return out;
}

/** The text as this style shows it. */
export function styled(text: string, s: Style): string {
  return s.unicode ? text : toAscii(text);
}

/** `1 error`, `2 errors`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
