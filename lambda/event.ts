import { HandlerError } from './errors';

/**
 * The request, as the two steps see it (custom-resource.ts runs them): onEvent receives
 * CloudFormation's request; isComplete receives the same request plus what onEvent returned
 * (PhysicalResourceId, Data). Only the members we use are read; everything else (ResponseURL
 * included) is ignored here.
 */

export type RequestType = 'Create' | 'Update' | 'Delete';
export type Stage = 'onEvent' | 'isComplete';

export interface RequestEnvelope {
  readonly requestType: RequestType;
  readonly resourceType: string;
  readonly logicalResourceId: string;
  readonly stackId: string;
  readonly requestId: string;
  /** Absent only on an onEvent Create. */
  readonly physicalResourceId?: string;
  /** Without ServiceToken, which is the provider's, not the resource's. */
  readonly properties: Readonly<Record<string, unknown>>;
  /** Update only. */
  readonly oldProperties?: Readonly<Record<string, unknown>>;
  /** isComplete only: what onEvent returned as WAIT_DEADLINE_KEY (epoch milliseconds), if anything. */
  readonly waitDeadline?: number;
  /** isComplete only: what onEvent returned as DELETING_PROJECT_KEY, if anything. */
  readonly deletingProject?: string;
}

export type Data = Readonly<Record<string, string>>;

/**
 * A field onEvent returns for isComplete only: every field onEvent returns is passed on to
 * isComplete (also across invocations), and CloudFormation is sent only PhysicalResourceId and Data.
 * It holds when isComplete stops waiting (epoch milliseconds), so that the wait has a bound of its
 * own, with its own reason, per resource.
 */
export const WAIT_DEADLINE_KEY = 'CodeStarWaitDeadline';

/**
 * Another field for isComplete only: on a Delete, the id of the project whose deletion isComplete
 * waits for. Absent when onEvent deleted nothing (a foreign project left alone), so that the wait
 * ends at once; a physical id made up by CloudFormation names no project, so it cannot tell.
 */
export const DELETING_PROJECT_KEY = 'CodeStarDeletingProject';

/** What onEvent returns. */
export interface OnEventResponse {
  readonly PhysicalResourceId?: string;
  readonly Data?: Data;
  readonly [WAIT_DEADLINE_KEY]?: number;
  readonly [DELETING_PROJECT_KEY]?: string;
}

/** What isComplete returns: Data only once complete. */
export type IsCompleteResponse =
  | { readonly IsComplete: false }
  | { readonly IsComplete: true; readonly Data?: Data };

const REQUEST_TYPES: ReadonlySet<string> = new Set<RequestType>(['Create', 'Update', 'Delete']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(event: Record<string, unknown>, key: string): string {
  const value = event[key];
  if (typeof value !== 'string' || value === '') {
    throw new HandlerError(`Malformed event: ${key} is missing`);
  }
  return value;
}

function resourceProperties(event: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = event[key];
  if (value === undefined) {
    return undefined;
  }
  if (!isRecord(value)) {
    throw new HandlerError(`Malformed event: ${key} is not an object`);
  }
  // CloudFormation's own properties, not the resource's: ServiceTimeout is sent along when it is set.
  const { ServiceToken: _serviceToken, ServiceTimeout: _serviceTimeout, ...properties } = value;
  return properties;
}

/** A wait deadline as onEvent returned it; anything else (absent, garbled) means no deadline of our own. */
function waitDeadline(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

export function parseEnvelope(event: unknown, stage: Stage): RequestEnvelope {
  if (!isRecord(event)) {
    throw new HandlerError('Malformed event: not an object');
  }
  const requestType = requiredString(event, 'RequestType');
  if (!REQUEST_TYPES.has(requestType)) {
    throw new HandlerError('Malformed event: RequestType must be Create, Update or Delete');
  }
  const physicalResourceId = event.PhysicalResourceId;
  const needsPhysicalId = stage === 'isComplete' || requestType !== 'Create';
  if (needsPhysicalId && (typeof physicalResourceId !== 'string' || physicalResourceId === '')) {
    throw new HandlerError('Malformed event: PhysicalResourceId is missing');
  }
  const oldProperties = resourceProperties(event, 'OldResourceProperties');
  if (requestType === 'Update' && stage === 'onEvent' && oldProperties === undefined) {
    throw new HandlerError('Malformed event: OldResourceProperties is missing');
  }
  return {
    requestType: requestType as RequestType,
    resourceType: requiredString(event, 'ResourceType'),
    logicalResourceId: requiredString(event, 'LogicalResourceId'),
    stackId: requiredString(event, 'StackId'),
    requestId: requiredString(event, 'RequestId'),
    physicalResourceId: typeof physicalResourceId === 'string' && physicalResourceId !== '' ? physicalResourceId : undefined,
    properties: resourceProperties(event, 'ResourceProperties') ?? {},
    oldProperties,
    waitDeadline: stage === 'isComplete' ? waitDeadline(event[WAIT_DEADLINE_KEY]) : undefined,
    deletingProject: stage === 'isComplete' && typeof event[DELETING_PROJECT_KEY] === 'string' ? event[DELETING_PROJECT_KEY] : undefined,
  };
}
