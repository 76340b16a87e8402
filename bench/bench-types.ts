import type { Browser } from '@playwright/test';
import type { RunningServer } from '../signaling-server/server.js';

export interface BenchContext {
  browser: Browser;
  server: RunningServer;
  /** Smaller sizes, for a quick look. */
  quick: boolean;
  log: (line: string) => void;
}

/** A benchmark section: runs, and returns a Markdown table. */
export type BenchSection = (ctx: BenchContext) => Promise<string>;

/** Formats rows as a Markdown table. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const MB = 1e6;
export const MiB = 1024 * 1024;

/** The middle value (the upper one of an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
