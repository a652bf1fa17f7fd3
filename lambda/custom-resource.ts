import type { Clients } from './clients';
import { CONTINUATION_KEY, Continuation, continuationOf, continueInNewInvocation, MAX_WAIT_MS } from './continuation';
import { errorNameOf, HandlerError } from './errors';
import type { Data, IsCompleteResponse, OnEventResponse } from './event';
import type { Logger } from './logger';
import { CloudFormationResponse, responseBody, sendResponse } from './response';
import { Clock, computeDeadline } from './retry';
import { CREATE_FAILED_PHYSICAL_ID, POLL_INTERVAL_MAX_SECONDS } from '../src/private/contract';

/**
 * The function CloudFormation invokes: it takes a custom resource request from start to finish and
 * answers CloudFormation itself, as aws-cdk-lib's CustomResourceProvider functions do. The first
 * step (onEvent) starts the work; completion (isComplete) is checked at once and then at growing
 * intervals, in the same invocation, so a team member or a user profile is one invocation. A
 * project's create or delete that outlasts the invocation goes on in a new one (continuation.ts).
 * Every failure becomes a FAILED answer with a short reason: the function itself never fails, so
 * Lambda never retries a request that was answered.
 */

/** The two steps, as lambda/index.ts builds them: each parses the event and fails with a short, redacted reason. */
export interface Steps {
  onEvent(event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<OnEventResponse>;
  isComplete(event: unknown, context?: { getRemainingTimeInMillis(): number }): Promise<IsCompleteResponse>;
}

/** The part of the Lambda context the function uses. */
export interface FunctionContext {
  readonly invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
}

export interface AnswerOptions {
  readonly steps: Steps;
  readonly clients: Clients;
  readonly clock: Clock;
  readonly log: Logger;
}

/** The first check of completion comes at once; then after 0.25 s, doubling up to this. */
const FIRST_POLL_DELAY_MS = 250;
const MAX_POLL_DELAY_MS = POLL_INTERVAL_MAX_SECONDS * 1000;

/**
 * A check of completion starts only with this much of the invocation left (a quarter of its time,
 * at most 30 s): otherwise the wait goes on in a new invocation, so that no check is cut short.
 */
const CHECK_BUDGET_FRACTION = 0.25;
const MAX_CHECK_BUDGET_MS = 30_000;

/** The delay before the n-th check after the first (n >= 1). */
export function pollDelay(n: number): number {
  return Math.min(MAX_POLL_DELAY_MS, FIRST_POLL_DELAY_MS * 2 ** Math.min(n - 1, 20));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(event: Record<string, unknown>, key: string): string {
  return typeof event[key] === 'string' ? event[key] as string : '';
}

function reasonOf(error: unknown): string {
  return error instanceof HandlerError ? error.message : errorNameOf(error);
}

/** Answers one delivery of a CloudFormation request, or hands it over to a new invocation. */
export async function answerRequest(event: unknown, context: FunctionContext, options: AnswerOptions): Promise<void> {
  const { clock, log } = options;
  if (!isRecord(event) || typeof event.ResponseURL !== 'string') {
    // Nothing to answer: no CloudFormation request.
    log.error('failed', { reason: 'Malformed event: ResponseURL is missing' });
    return;
  }
  const { [CONTINUATION_KEY]: _continuation, ...request } = event;
  const requestType = text(request, 'RequestType');
  const respond = async (status: CloudFormationResponse['Status'], physicalResourceId: string, reason: string, data?: Data) => {
    const body = responseBody({
      Status: status,
      Reason: reason,
      PhysicalResourceId: physicalResourceId,
      StackId: text(request, 'StackId'),
      RequestId: text(request, 'RequestId'),
      LogicalResourceId: text(request, 'LogicalResourceId'),
      ...(data && Object.keys(data).length > 0 ? { Data: data } : {}),
    });
    try {
      await sendResponse(request.ResponseURL as string, body, { clock, log });
    } catch (error) {
      log.error('failed', { reason: reasonOf(error) });
    }
  };
  const given = text(request, 'PhysicalResourceId');

  // The Delete that follows a Create answered as failed: nothing was created.
  if (requestType === 'Delete' && given === CREATE_FAILED_PHYSICAL_ID) {
    log.info('ignored', { reason: 'delete of a failed create' });
    await respond('SUCCESS', given, 'Nothing was created');
    return;
  }

  let continuation: Continuation;
  try {
    continuation = continuationOf(event) ?? await firstStep(request, context, options);
  } catch (error) {
    // A create that failed before it made anything gets a physical id that says so; see above.
    await respond('FAILED', given || CREATE_FAILED_PHYSICAL_ID, reasonOf(error));
    return;
  }

  const { onEvent, physicalResourceId, startedAt } = continuation;
  const completion = { ...request, ...onEvent, PhysicalResourceId: physicalResourceId };
  const started = clock.now();
  const remainingAtStart = context.getRemainingTimeInMillis();
  const budget = Math.min(MAX_CHECK_BUDGET_MS, remainingAtStart * CHECK_BUDGET_FRACTION);
  for (let check = 0; ; check++) {
    let result: IsCompleteResponse;
    try {
      result = await options.steps.isComplete(completion, context);
    } catch (error) {
      await respond('FAILED', physicalResourceId, reasonOf(error));
      return;
    }
    if (result.IsComplete) {
      await respond('SUCCESS', physicalResourceId, 'SUCCESS', { ...onEvent.Data, ...result.Data });
      return;
    }
    if (clock.now() - startedAt >= MAX_WAIT_MS) {
      await respond('FAILED', physicalResourceId, `Still not complete after ${MAX_WAIT_MS / 60_000} minutes`);
      return;
    }
    const delay = pollDelay(check + 1);
    const left = remainingAtStart - (clock.now() - started);
    if (left - delay < budget) {
      try {
        await continueInNewInvocation(request, { ...continuation, invocation: continuation.invocation + 1 }, {
          clients: options.clients,
          clock,
          log,
          functionArn: context.invokedFunctionArn,
          deadline: computeDeadline(clock.now(), context.getRemainingTimeInMillis()),
        });
      } catch (error) {
        await respond('FAILED', physicalResourceId, `Could not go on waiting in a new invocation: ${reasonOf(error)}`);
      }
      return;
    }
    await clock.sleep(delay);
  }
}

/** onEvent, and the physical id it answers (CloudFormation's rules: a Delete keeps its id). */
async function firstStep(request: Record<string, unknown>, context: FunctionContext, options: AnswerOptions): Promise<Continuation> {
  const started = options.clock.now();
  const onEvent = await options.steps.onEvent(request, context);
  const given = text(request, 'PhysicalResourceId');
  const physicalResourceId = text(request, 'RequestType') === 'Delete' ? given : onEvent.PhysicalResourceId || given || text(request, 'RequestId');
  return { onEvent, physicalResourceId, startedAt: started, invocation: 1 };
}
