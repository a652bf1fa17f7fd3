import { maskUserArns } from './identifiers';

/**
 * Failures and how they reach CloudFormation.
 *
 * A failure's message is the reason CloudFormation shows, so it must be one short line that carries
 * no sensitive input value, whatever the service echoed back.
 */

/** CloudFormation shows at most a few hundred characters; a longer reason only hides the point. */
export const MAX_REASON_LENGTH = 500;

/** A failure whose message we wrote ourselves: already short, names no property value. */
export class HandlerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerError';
    // Stack frames of a minified bundle help nobody, in a log or a reason.
    this.stack = `${this.name}: ${message}`;
  }
}

/**
 * A service call that failed with an error we do not retry. It keeps the service's error name so
 * that handlers can branch on it (not found, already exists) and the operation for the reason.
 */
export class OperationError extends Error {
  constructor(
    public readonly operation: string,
    public readonly errorName: string,
    message: string,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

/**
 * The error's name: the service's error code for SDK errors, whether or not wrapped, and the
 * socket error's code (ECONNREFUSED, ...) for a Node network error, whose name is a bare `Error`.
 */
export function errorNameOf(error: unknown): string {
  if (error instanceof OperationError) {
    return error.errorName;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.name === 'Error' && typeof code === 'string' && /^E[A-Z_]{2,30}$/.test(code) ? code : error.name;
  }
  return 'UnknownError';
}

/** Whether the error is one of the named service errors (not-found, already-exists, ...). */
export function hasErrorName(error: unknown, ...names: string[]): boolean {
  return names.includes(errorNameOf(error));
}

/**
 * Collects the values that must never appear in a reason or a log line (names, descriptions,
 * tokens, personal data) and blanks them out of any text, however the service quoted them.
 */
export class Redactor {
  private readonly values = new Set<string>();

  public add(...values: ReadonlyArray<string | undefined>): void {
    for (const value of values) {
      if (value === undefined || value.trim() === '') {
        continue;
      }
      this.values.add(value);
      // A service may echo one line or word of a long value (an SSH key, a description).
      for (const part of value.split(/\s+/)) {
        if (part.length >= 8) {
          this.values.add(part);
        }
      }
    }
  }

  public redact(text: string): string {
    // Longest first, so that a value containing another is blanked whole.
    const values = [...this.values].sort((a, b) => b.length - a.length);
    return values.reduce((result, value) => result.replace(patternFor(value), '***'), text);
  }
}

/** Very short values are only blanked as whole words, or every reason would be garbled. */
function patternFor(value: string): RegExp {
  const escaped = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return value.length < 4 ? new RegExp(`(?<!\\w)${escaped}(?!\\w)`, 'g') : new RegExp(escaped, 'g');
}

/** Whitespace, control characters (C0, DEL, C1) and Unicode line separators: all become one space. */
const NOT_ONE_LINE = /[\s\u0000-\u001f\u007f-\u009f]+/g;
/** A UTF-16 surrogate without its other half (JSON would escape it as six bytes). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * One line of printable text, redacted, user names masked, at most MAX_REASON_LENGTH characters: at most three UTF-8
 * bytes each, so the reason alone can never push CloudFormation's response past its 4096 bytes.
 */
export function shortReason(error: unknown, redactor: Redactor): string {
  // Masked first, so that a user ARN still becomes its hash when its name is one of the redacted values.
  const oneLine = redactor.redact(maskUserArns(describeError(error))).replace(NOT_ONE_LINE, ' ').trim();
  const short = oneLine.length <= MAX_REASON_LENGTH ? oneLine : `${oneLine.slice(0, MAX_REASON_LENGTH - 3)}...`;
  return short.replace(LONE_SURROGATE, '\ufffd');
}

function describeError(error: unknown): string {
  if (error instanceof HandlerError) {
    return error.message;
  }
  if (error instanceof OperationError) {
    return `${error.operation} failed: ${error.errorName}${error.message ? `: ${error.message}` : ''}`;
  }
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  return 'Unknown error';
}
