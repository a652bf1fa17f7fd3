import { errorNameOf, HandlerError } from './errors';

/**
 * Retries for transient service errors. The SDK clients are built with `maxAttempts: 1` so that
 * this is the only retry loop: one policy, one deadline, and every attempt shows in our log.
 */

/** Errors that say "try again later", by name. LimitExceededException is not one: in CodeStar it is a quota. */
const TRANSIENT_ERROR_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ConcurrentModificationException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Socket-level failures raised by Node before any response arrived. */
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * Time the Lambda keeps for itself after our deadline, to report the failure. Every attempt is cut
 * at the deadline (see withRetries), so this only has to cover building the reason and returning.
 */
export const SAFETY_MARGIN_MS = 5_000;
/** Short invocations (a short Lambda timeout, a test) keep this fraction of their time instead. */
export const SAFETY_MARGIN_FRACTION = 0.2;
/** A service that has not recovered after this long will not recover within one invocation. */
export const MAX_RETRY_WINDOW_MS = 120_000;
/** The window when no Lambda context tells us the remaining time (direct invocation in tests or tools). */
export const DEFAULT_RETRY_WINDOW_MS = 60_000;
export const BASE_DELAY_MS = 250;
export const MAX_DELAY_MS = 8_000;

export interface Clock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the jitter source. */
  readonly random: () => number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export interface RetryOptions {
  readonly clock: Clock;
  /** Epoch milliseconds after which no retry starts. */
  readonly deadline: number;
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

interface ServiceErrorShape {
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** Whether waiting and sending the same request again can succeed. */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) {
    return false;
  }
  const shape = error as ServiceErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  return TRANSIENT_ERROR_NAMES.has(errorNameOf(error))
    || shape.$fault === 'server'
    || (typeof status === 'number' && status >= 500)
    || (typeof shape.code === 'string' && NETWORK_ERROR_CODES.has(shape.code));
}

/** Full-jitter exponential backoff: uniform in [0, min(max, base * 2^attempt)). */
export function backoffDelay(attempt: number, random: () => number): number {
  return Math.floor(random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt));
}

/**
 * The deadline of one invocation, for every attempt and retry in it: before the Lambda's own
 * timeout (minus a margin to report the failure), and never further out than MAX_RETRY_WINDOW_MS.
 * The margin is SAFETY_MARGIN_MS, or a fifth of the time left when that is less, so that a short
 * Lambda timeout still leaves most of its time to the work and still fails with our own reason.
 */
export function computeDeadline(now: number, remainingMs: number | undefined): number {
  if (remainingMs === undefined) {
    return now + DEFAULT_RETRY_WINDOW_MS;
  }
  const margin = Math.min(SAFETY_MARGIN_MS, remainingMs * SAFETY_MARGIN_FRACTION);
  return now + Math.floor(Math.max(0, Math.min(remainingMs - margin, MAX_RETRY_WINDOW_MS)));
}

/**
 * Runs `attempt`, retrying transient errors until the deadline; any other error is thrown as is.
 * An attempt still unanswered at the deadline (a hung endpoint) is abandoned: the invocation fails
 * with its own reason instead of running into the Lambda timeout.
 */
export async function withRetries<T>(operation: string, attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { clock, deadline } = options;
  for (let retry = 0; ; retry++) {
    const attempts = retry + 1;
    if (clock.now() >= deadline) {
      // A call that would be abandoned at once may still change something: do not send it.
      throw new HandlerError(`${operation} was not sent: no time was left before the handler's deadline`);
    }
    try {
      return await beforeDeadline(attempt, deadline - clock.now(), () => new HandlerError(
        `${operation} did not succeed before the handler's deadline (${attempts} attempts, the last one unanswered)`));
    } catch (error) {
      if (error instanceof HandlerError || !isTransient(error)) {
        throw error;
      }
      const delay = backoffDelay(retry, clock.random);
      if (clock.now() + delay >= deadline) {
        throw new HandlerError(`${operation} did not succeed before the handler's deadline (${attempts} attempts, last error ${errorNameOf(error)})`);
      }
      options.onRetry?.(error, attempts, delay);
      await clock.sleep(delay);
    }
  }
}

/**
 * The attempt's result, or `timeoutError()` once `ms` of real time have passed. A hung call is only
 * ever noticed in real time, whatever the injected clock says. The abandoned call ends on its own
 * (the clients' request timeout); its late failure is dropped.
 */
async function beforeDeadline<T>(attempt: () => Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const running = attempt();
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), Math.max(0, ms));
  });
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
    running.catch(() => undefined);
  }
}
