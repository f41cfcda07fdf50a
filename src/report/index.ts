// Report formats by name. A new format is one file and one line here.

import type { RunResult } from '../core/model.js';
import { renderJson } from './json.js';
import { renderText } from './text.js';

export interface RenderOptions {
  color: boolean;
}

export const FORMATS: Record<string, (r: RunResult, o: RenderOptions) => string> = {
  text: (r, o) => renderText(r, { color: o.color }),
  json: (r) => renderJson(r),
};

export const FORMAT_NAMES = Object.keys(FORMATS);
