import type { Clients } from './clients';
import { PropertyError } from './decode';
import { errorNameOf, HandlerError, OperationError, Redactor } from './errors';
import type { IsCompleteResponse, OnEventResponse, RequestEnvelope, RequestType } from './event';
import type { Logger } from './logger';
import { Clock, withRetries } from './retry';
import type { ResourceIdentity } from './tokens';

/**
 * What a per-resource-type handler receives and implements. The entry parses the envelope; the
 * route below parses the properties with the handler's own parser, so a handler only ever sees
 * typed, coerced properties.
 */

interface RequestBase extends ResourceIdentity {
  readonly requestId: string;
  readonly resourceType: string;
}

export interface CreateRequest<P> extends RequestBase {
  readonly requestType: 'Create';
  readonly properties: P;
}

export interface UpdateRequest<P> extends RequestBase {
  readonly requestType: 'Update';
  readonly physicalResourceId: string;
  readonly properties: P;
  /**
   * Undefined when they no longer parse. That happens when CloudFormation rolls back an update we
   * rejected for malformed properties: the rollback must still succeed, so handlers fall back to
   * the live state.
   */
  readonly oldProperties?: P;
}

export interface DeleteRequest<P> extends RequestBase {
  readonly requestType: 'Delete';
  readonly physicalResourceId: string;
  /** Undefined when they do not parse: a delete must not get stuck on properties it hardly needs. */
  readonly properties?: P;
}

export type ResourceRequest<P> = CreateRequest<P> | UpdateRequest<P> | DeleteRequest<P>;

export interface CompletionRequest<P> extends RequestBase {
  readonly requestType: RequestType;
  readonly physicalResourceId: string;
  readonly properties?: P;
  /** When to stop waiting (epoch milliseconds), as onEvent returned it; undefined: no bound of our own. */
  readonly waitDeadline?: number;
  /** On a Delete, the project whose deletion onEvent started or found under way; undefined: nothing to wait for. */
  readonly deletingProject?: string;
}

/** Everything a handler may use: clients, the log, the redactor and the one way to call a service. */
export interface HandlerContext {
  readonly clients: Clients;
  readonly log: Logger;
  readonly redactor: Redactor;
  /** The current time, epoch milliseconds. */
  now(): number;
  /** Calls a service with retries, logging and error wrapping (see createContext). */
  call<T>(operation: string, send: () => Promise<T>): Promise<T>;
}

export interface ResourceHandler<P> {
  readonly parseProperties: (raw: unknown) => P;
  /** Property values that must never appear in a reason or a log line. */
  readonly sensitiveValues: (properties: P) => ReadonlyArray<string | undefined>;
  readonly onEvent: (request: ResourceRequest<P>, ctx: HandlerContext) => Promise<OnEventResponse>;
  readonly isComplete: (request: CompletionRequest<P>, ctx: HandlerContext) => Promise<IsCompleteResponse>;
}

export interface ContextOptions {
  readonly clients: Clients;
  readonly log: Logger;
  readonly redactor: Redactor;
  readonly clock: Clock;
  /** Epoch milliseconds; see computeDeadline. */
  readonly deadline: number;
}

export function createContext(options: ContextOptions): HandlerContext {
  const { clients, log, redactor, clock, deadline } = options;
  return {
    clients,
    log,
    redactor,
    now: () => clock.now(),
    async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
      const onRetry = (error: unknown, attempt: number, delayMs: number) =>
        log.warn('retry', { operation, error: errorNameOf(error), attempt, delayMs });
      try {
        const result = await withRetries(operation, send, { clock, deadline, onRetry });
        log.info('call', { operation, outcome: 'ok' });
        return result;
      } catch (error) {
        log.info('call', { operation, outcome: errorNameOf(error) });
        if (error instanceof HandlerError) {
          throw error;
        }
        throw new OperationError(operation, errorNameOf(error), error instanceof Error ? error.message : '');
      }
    },
  };
}

/** A handler with its properties' types erased, so handlers of different types share one table. */
export interface Route {
  onEvent(envelope: RequestEnvelope, ctx: HandlerContext): Promise<OnEventResponse>;
  isComplete(envelope: RequestEnvelope, ctx: HandlerContext): Promise<IsCompleteResponse>;
}

export function route<P>(handler: ResourceHandler<P>): Route {
  const parse = (raw: unknown, ctx: HandlerContext, resourceType: string): P => {
    try {
      const properties = handler.parseProperties(raw);
      ctx.redactor.add(...handler.sensitiveValues(properties));
      return properties;
    } catch (error) {
      throw error instanceof PropertyError ? new HandlerError(`Invalid ${resourceType} properties: ${error.message}`) : error;
    }
  };
  const tryParse = (raw: unknown, ctx: HandlerContext, resourceType: string, which: string): P | undefined => {
    try {
      return parse(raw, ctx, resourceType);
    } catch (error) {
      ctx.log.warn('properties-unparsed', { which, error: error instanceof Error ? error.message : undefined });
      return undefined;
    }
  };
  const identity = (envelope: RequestEnvelope) => ({
    resourceType: envelope.resourceType,
    stackId: envelope.stackId,
    logicalResourceId: envelope.logicalResourceId,
    requestId: envelope.requestId,
  });
  // parseEnvelope guarantees a physical id everywhere except on an onEvent Create.
  const physicalId = (envelope: RequestEnvelope) => envelope.physicalResourceId ?? '';

  return {
    onEvent(envelope, ctx) {
      const type = envelope.resourceType;
      switch (envelope.requestType) {
        case 'Create':
          return handler.onEvent({ ...identity(envelope), requestType: 'Create', properties: parse(envelope.properties, ctx, type) }, ctx);
        case 'Update':
          return handler.onEvent({
            ...identity(envelope),
            requestType: 'Update',
            physicalResourceId: physicalId(envelope),
            properties: parse(envelope.properties, ctx, type),
            oldProperties: tryParse(envelope.oldProperties, ctx, type, 'OldResourceProperties'),
          }, ctx);
        case 'Delete':
          return handler.onEvent({
            ...identity(envelope),
            requestType: 'Delete',
            physicalResourceId: physicalId(envelope),
            properties: tryParse(envelope.properties, ctx, type, 'ResourceProperties'),
          }, ctx);
      }
    },
    isComplete(envelope, ctx) {
      return handler.isComplete({
        ...identity(envelope),
        requestType: envelope.requestType,
        physicalResourceId: physicalId(envelope),
        properties: tryParse(envelope.properties, ctx, envelope.resourceType, 'ResourceProperties'),
        waitDeadline: envelope.waitDeadline,
        deletingProject: envelope.deletingProject,
      }, ctx);
    },
  };
}
