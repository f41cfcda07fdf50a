// Types for scripts/clients.mjs (installs and reports Debian's rclone and restic for the suite).
export const CLIENT_PACKAGES: readonly ['rclone', 'restic'];
export function findClient(name: string): string | null;
export function ensureClientsInstalled(options?: { log?: (message: string) => void }): Promise<{ installed: boolean }>;
export function clientVersions(): Promise<{ rclone: string; restic: string }>;
