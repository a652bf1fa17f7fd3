import { maskUserArns } from './identifiers';

/**
 * A structured logger that only takes fields our own code chose: identifiers, operation names,
 * outcomes and already-redacted reasons. It has no way to log an event or a property bag, so a
 * ResponseURL, a token or a user's email address cannot reach CloudWatch by accident.
 */

export type LogValue = string | number | boolean | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;
export type LogSink = (line: string) => void;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  child(fields: LogFields): Logger;
}

/** Writes one JSON object per line: CloudWatch Logs Insights can query it as it is. */
export function createLogger(sink: LogSink = line => console.log(line), base: LogFields = {}): Logger {
  // Identifiers may hold user ARNs (a member's physical id): their names never reach the log.
  const write = (level: string, event: string, fields: LogFields = {}) =>
    sink(maskUserArns(JSON.stringify({ level, event, ...base, ...fields })));
  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
    child: fields => createLogger(sink, { ...base, ...fields }),
  };
}
