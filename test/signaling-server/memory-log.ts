import { createLogger, type Logger, type LoggerOptions } from '../../signaling-server/logger.js';

/** One parsed log line. */
export type LogLine = { level: string; time: string; msg: string; [field: string]: unknown };

/** A real server logger whose JSON lines are kept in memory, parsed, for tests to read. */
export function memoryLog(options: Omit<LoggerOptions, 'destination'> = {}): {
  log: Logger;
  lines: LogLine[];
} {
  const lines: LogLine[] = [];
  const log = createLogger({
    level: 'debug',
    ...options,
    destination: { write: (text: string) => lines.push(JSON.parse(text) as LogLine) },
  });
  return { log, lines };
}
