export const PROVIDER_HOMES: string[];
export const PROVIDER_NAMES: string[];
export function sourceFiles(root?: string): string[];
export function importGraph(root?: string): Map<string, string[]>;
export function cycles(graph: Map<string, string[]>): string[][];
export function providerLiterals(root?: string): Record<string, number>;
export function fileSizes(root?: string): Record<string, number>;
