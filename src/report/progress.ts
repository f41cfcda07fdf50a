// Progress of a run of many targets on a terminal (standard error): which targets are running, one
// line per finished target. Silent when standard error is not a terminal.

import type { Verdict } from '../core/model.js';

export class RunProgress {
  private readonly running = new Set<string>();
  private finished = 0;
  constructor(
    private readonly write: (s: string) => void,
    private readonly tty: boolean,
    private readonly total: number,
  ) {}
  start(name: string): void {
    this.running.add(name);
    this.draw();
  }
  end(name: string, verdict: Verdict): void {
    this.running.delete(name);
    this.finished++;
    if (this.tty) this.write(`\r\x1b[K${verdict === 'pass' ? '✓' : '✗'} ${name} ${verdict}\n`);
    this.draw();
  }
  done(): void {
    if (this.tty) this.write('\r\x1b[K');
  }
  private draw(): void {
    if (!this.tty) return;
    const names = [...this.running].slice(0, 4).join(', ');
    this.write(`\r\x1b[K[${this.finished}/${this.total}] running: ${names}${this.running.size > 4 ? ', …' : ''}`);
  }
}

/** `[12 ms] put-object allowed`: one line per check as it starts and ends (--verbose). */
export function checkProgressLine(ms: number, id: string, state: 'start' | 'end', outcome?: string): string {
  return `[${ms} ms] ${id} ${state === 'start' ? 'started' : outcome}\n`;
}
