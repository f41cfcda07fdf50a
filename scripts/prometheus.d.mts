// Types for scripts/prometheus.mjs (Debian's promtool and Pushgateway for the suite).
export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}
export interface Pushgateway {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}
export function findBinary(name: string): string | null;
export function installPrometheusTools(log?: (m: string) => void): Promise<{ installed: boolean }>;
export function promtool(args: string[], opts?: { cwd?: string; input?: string }): Promise<ToolRun>;
export function startPushgateway(): Promise<Pushgateway>;
