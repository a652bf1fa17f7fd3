import { Clients, createClients } from './clients';
import { answerRequest, FunctionContext } from './custom-resource';
import { HandlerError, Redactor, shortReason } from './errors';
import { IsCompleteResponse, OnEventResponse, parseEnvelope, RequestEnvelope, Stage } from './event';
import { createContext, HandlerContext, Route, route } from './handler';
import { createLogger, LogSink } from './logger';
import { projectHandler } from './project';
import { Clock, computeDeadline, systemClock } from './retry';
import { teamMemberHandler } from './team-member';
import { userProfileHandler } from './user-profile';
import { PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE } from '../src/private/contract';

/**
 * The Lambda entry point, `handler`: CloudFormation's request, answered by the function itself
 * (custom-resource.ts). Its two steps: `onEvent` starts work, `isComplete` checks whether it is
 * done. Both parse the event, route it by ResourceType and turn any failure into one short,
 * redacted line, the reason CloudFormation shows. The steps are exported too, for tests that drive
 * them one at a time in the bundle.
 */

const ROUTES: Readonly<Record<string, Route>> = {
  [PROJECT_RESOURCE_TYPE]: route(projectHandler),
  [TEAM_MEMBER_RESOURCE_TYPE]: route(teamMemberHandler),
  [USER_PROFILE_RESOURCE_TYPE]: route(userProfileHandler),
};

/** The part of the Lambda context we use. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface HandlerOptions {
  readonly clients: Clients;
  /** Where log lines go; console.log by default. */
  readonly logSink?: LogSink;
  /** Time, sleep and jitter; the system's by default. */
  readonly clock?: Clock;
}

export interface Handlers {
  onEvent(event: unknown, context?: LambdaContext): Promise<OnEventResponse>;
  isComplete(event: unknown, context?: LambdaContext): Promise<IsCompleteResponse>;
  /** Takes CloudFormation's request from start to finish and answers it. */
  handler(event: unknown, context: FunctionContext): Promise<void>;
}

/** Builds the entry points around the given clients: tests pass mocked ones. */
export function handlers(options: HandlerOptions): Handlers {
  const clock = options.clock ?? systemClock;
  const rootLog = createLogger(options.logSink);

  async function invoke<R>(
    stage: Stage,
    event: unknown,
    context: LambdaContext | undefined,
    run: (route: Route, envelope: RequestEnvelope, ctx: HandlerContext) => Promise<R>,
  ): Promise<R> {
    const redactor = new Redactor();
    let log = rootLog.child({ stage });
    try {
      const envelope = parseEnvelope(event, stage);
      log = log.child({
        requestType: envelope.requestType,
        resourceType: envelope.resourceType,
        logicalResourceId: envelope.logicalResourceId,
        physicalResourceId: envelope.physicalResourceId,
      });
      log.info('request');
      const resourceRoute = Object.hasOwn(ROUTES, envelope.resourceType) ? ROUTES[envelope.resourceType] : undefined;
      if (resourceRoute === undefined) {
        throw new HandlerError(`Unsupported resource type ${envelope.resourceType.slice(0, 100)}`);
      }
      const deadline = computeDeadline(clock.now(), context?.getRemainingTimeInMillis());
      const result = await run(resourceRoute, envelope, createContext({ clients: options.clients, log, redactor, clock, deadline }));
      log.info('done');
      return result;
    } catch (error) {
      const reason = shortReason(error, redactor);
      log.error('failed', { reason });
      throw new HandlerError(reason);
    }
  }

  const steps = {
    onEvent: (event: unknown, context?: LambdaContext) => invoke('onEvent', event, context, (r, envelope, ctx) => r.onEvent(envelope, ctx)),
    isComplete: (event: unknown, context?: LambdaContext) => invoke('isComplete', event, context, (r, envelope, ctx) => r.isComplete(envelope, ctx)),
  };
  return {
    ...steps,
    handler: (event, context) => answerRequest(event, context, { steps, clients: options.clients, clock, log: rootLog }),
  };
}

/** One set of clients per Lambda container, created on the first event (not at import). */
let containerHandlers: Handlers | undefined;

function defaultHandlers(): Handlers {
  containerHandlers ??= handlers({ clients: createClients() });
  return containerHandlers;
}

export function onEvent(event: unknown, context?: LambdaContext): Promise<OnEventResponse> {
  return defaultHandlers().onEvent(event, context);
}

export function isComplete(event: unknown, context?: LambdaContext): Promise<IsCompleteResponse> {
  return defaultHandlers().isComplete(event, context);
}

export function handler(event: unknown, context: FunctionContext): Promise<void> {
  return defaultHandlers().handler(event, context);
}
