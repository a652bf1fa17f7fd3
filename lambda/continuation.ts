import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Clients } from './clients';
import { HandlerError } from './errors';
import type { OnEventResponse } from './event';
import type { Logger } from './logger';
import { Clock, withRetries } from './retry';

/**
 * A wait that outlasts one invocation goes on in the next: the function invokes itself
 * asynchronously with the same CloudFormation request and this record of where it stands, and that
 * invocation answers CloudFormation. Only a project's create or delete ever waits that long.
 */

/** The field of the event that carries the record; CloudFormation never sends it. */
export const CONTINUATION_KEY = 'CdkCodeStarContinuation';

/**
 * How long the function waits for a request at most, over all its invocations: CloudFormation's
 * longest ServiceTimeout. A project's own timeout ends its wait well before.
 */
export const MAX_WAIT_MS = 3_600_000;

export interface Continuation {
  /** What the request's first step answered, as it answered it. */
  readonly onEvent: OnEventResponse;
  readonly physicalResourceId: string;
  /** When the first invocation began (epoch milliseconds). */
  readonly startedAt: number;
  /** Which invocation of this request the next one is: 2 for the first continuation. */
  readonly invocation: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The event's continuation record; undefined on CloudFormation's own delivery. */
export function continuationOf(event: Record<string, unknown>): Continuation | undefined {
  const value = event[CONTINUATION_KEY];
  if (value === undefined) {
    return undefined;
  }
  if (!isRecord(value) || !isRecord(value.onEvent) || typeof value.physicalResourceId !== 'string' || value.physicalResourceId === ''
    || !Number.isSafeInteger(value.startedAt) || !Number.isSafeInteger(value.invocation)) {
    throw new HandlerError(`Malformed event: ${CONTINUATION_KEY} is not one this function wrote`);
  }
  return value as unknown as Continuation;
}

export interface ContinueOptions {
  readonly clients: Clients;
  readonly clock: Clock;
  readonly log: Logger;
  /** This function's ARN, as Lambda gave it in the context. */
  readonly functionArn: string;
  /** Epoch milliseconds after which no attempt to hand over starts. */
  readonly deadline: number;
}

/** Hands the request over to a new invocation of this function. */
export async function continueInNewInvocation(request: Record<string, unknown>, continuation: Continuation, options: ContinueOptions): Promise<void> {
  const payload = Buffer.from(JSON.stringify({ ...request, [CONTINUATION_KEY]: continuation }));
  const onRetry = (_error: unknown, attempt: number, delayMs: number) => options.log.warn('retry', { operation: 'Invoke', attempt, delayMs });
  await withRetries('Invoke', () => options.clients.lambda.send(new InvokeCommand({
    FunctionName: options.functionArn,
    InvocationType: 'Event',
    Payload: payload,
  })), { clock: options.clock, deadline: options.deadline, onRetry });
  options.log.info('continued', { invocation: continuation.invocation });
}
