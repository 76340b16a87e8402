import { pino, type DestinationStream } from 'pino';

/** Log levels, lowest first; `silent` logs nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Fields that identify a tab or a person: kept only at debug level unless `logPeers` is set. */
export const PEER_FIELDS = ['peer', 'address'] as const;

/** Structured context of one log line; `peer` and `address` are treated as personal. */
export type LogFields = Record<string, unknown>;

/**
 * The server's logger: one JSON object per line, `{"level":"info","time":"<ISO>","msg":...}`.
 * Messages are fixed text; what varies goes in `fields`, so peer ids and addresses can be left
 * out of every line above debug.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Keep `peer` and `address` fields at every level, not only at debug (default false). */
  logPeers?: boolean;
  /** Where lines go (default stdout, written synchronously so a crash loses none). */
  destination?: DestinationStream;
}

/** A logger that drops everything: the default of `startServer`, so tests stay quiet. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Makes the server's JSON-line logger (pino underneath). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const base = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  const keep = options.logPeers === true;
  const line =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: LogFields): void => {
      if (fields === undefined) base[level](msg);
      else base[level](level === 'debug' || keep ? fields : withoutPeers(fields), msg);
    };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function withoutPeers(fields: LogFields): LogFields {
  const out = { ...fields };
  for (const name of PEER_FIELDS) delete out[name];
  return out;
}
