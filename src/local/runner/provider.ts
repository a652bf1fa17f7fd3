import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import * as path from 'node:path';

/**
 * The CDK Provider framework (aws-cdk-lib/custom-resources `Provider` with an isComplete handler),
 * emulated in-process: onEvent, then isComplete polled until complete, the framework's defaults for
 * physical ids, its failure markers and its messages.
 */

export type RequestType = 'Create' | 'Update' | 'Delete';

/** A CloudFormation custom resource request, as delivered to a provider's onEvent handler. */
export interface CustomResourceEvent {
  readonly RequestType: RequestType;
  readonly ServiceToken: string;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly ResourceProperties: Record<string, unknown>;
  readonly OldResourceProperties?: Record<string, unknown>;
  readonly PhysicalResourceId?: string;
}

export interface OnEventResponse {
  readonly PhysicalResourceId?: string;
  readonly Data?: Record<string, unknown>;
  readonly NoEcho?: boolean;
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  readonly Data?: Record<string, unknown>;
}

/** The subset of the Lambda context handlers use (structurally compatible with aws-lambda's). */
export interface LambdaContext {
  readonly callbackWaitsForEmptyEventLoop: boolean;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  getRemainingTimeInMillis(): number;
}

/** A handler module: `onEvent` and, for asynchronous resources, `isComplete`. */
export interface HandlerModule {
  onEvent(event: any, context: LambdaContext): Promise<OnEventResponse | undefined | void> | OnEventResponse | undefined | void;
  isComplete?(event: any, context: LambdaContext): Promise<IsCompleteResponse> | IsCompleteResponse;
}

/** Physical id the framework reports for a Create whose onEvent failed; its Delete is then ignored. */
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

/** CloudFormation's limit on a custom resource response. */
const MAX_RESPONSE_BYTES = 4096;

export type ProviderOutcome =
  | { readonly status: 'SUCCESS'; readonly physicalResourceId: string; readonly data: Record<string, unknown> }
  | { readonly status: 'FAILED'; readonly reason: string; readonly physicalResourceId?: string };

export interface ProviderOptions {
  readonly handler: HandlerModule;
  readonly region: string;
  readonly account: string;
  /** Base of the fake function names in the Lambda context. */
  readonly functionNamePrefix: string;
  readonly lambdaTimeoutMs: number;
  readonly pollIntervalMs: number;
  /** Like the Provider's totalTimeout: isComplete is polled ceil(total / interval) times at most. */
  readonly totalTimeoutMs: number;
  /** Wall-clock bound on the whole request (the custom resource's ServiceTimeout). */
  readonly serviceTimeoutMs?: number;
  /** Lambda environment variables, set on process.env for the duration of each invocation. */
  readonly environment: Readonly<Record<string, string>>;
  /** Called after each incomplete isComplete poll, with the time since the request began. */
  readonly onPoll?: (poll: number, elapsedMs: number) => void;
}

/** Loads a handler module (e.g. the bundle at assets/handler/index.js) with Node's own require. */
export function loadHandlerModule(file: string): HandlerModule {
  const absolute = path.resolve(file);
  const mod = createRequire(absolute)(absolute) as Partial<HandlerModule>;
  if (typeof mod.onEvent !== 'function') {
    throw new Error(`${absolute} does not export an onEvent function`);
  }
  if (mod.isComplete !== undefined && typeof mod.isComplete !== 'function') {
    throw new Error(`${absolute} exports an isComplete that is not a function`);
  }
  return mod as HandlerModule;
}

/** A presigned-URL-like ResponseURL: realistic, never contacted, never printed. */
export function fakeResponseUrl(region: string, stackId: string, logicalId: string, requestId: string): string {
  const key = encodeURIComponent(`${stackId}|${logicalId}|${requestId}`);
  return `https://cloudformation-custom-resource-response-${region.replace(/-/g, '')}.s3.amazonaws.com/${key}`
    + `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=${randomBytes(32).toString('hex')}`;
}

/** Runs one request through the framework and answers what CloudFormation would receive. */
export async function runProvider(event: CustomResourceEvent, options: ProviderOptions): Promise<ProviderOutcome> {
  // The framework acknowledges the Delete that follows a Create it reported as failed, without
  // calling the handler.
  if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_MARKER) {
    return { status: 'SUCCESS', physicalResourceId: CREATE_FAILED_MARKER, data: {} };
  }
  const started = Date.now();
  const deadline = options.serviceTimeoutMs === undefined ? undefined : started + options.serviceTimeoutMs;

  let onEventResult: OnEventResponse;
  try {
    const result = await invoke('onEvent', options.handler.onEvent.bind(options.handler), event, options);
    if (result !== undefined && result !== null && (typeof result !== 'object' || Array.isArray(result))) {
      throw new Error(`onEvent returned ${JSON.stringify(result)}: expected an object`);
    }
    onEventResult = (result ?? {}) as OnEventResponse;
  } catch (e) {
    return {
      status: 'FAILED',
      reason: messageOf(e),
      physicalResourceId: event.PhysicalResourceId ?? (event.RequestType === 'Create' ? CREATE_FAILED_MARKER : undefined),
    };
  }

  const physicalResourceId = onEventResult.PhysicalResourceId
    || (event.RequestType === 'Create' ? event.RequestId : event.PhysicalResourceId!);
  if (event.RequestType === 'Delete' && physicalResourceId !== event.PhysicalResourceId) {
    return {
      status: 'FAILED',
      physicalResourceId: event.PhysicalResourceId,
      reason: `DELETE: cannot change the physical resource ID from "${event.PhysicalResourceId}" to "${onEventResult.PhysicalResourceId}" during deletion`,
    };
  }
  const resourceEvent = { ...event, ...onEventResult, PhysicalResourceId: physicalResourceId };
  const isComplete = options.handler.isComplete;
  if (!isComplete) {
    return respond(resourceEvent, onEventResult.Data ?? {});
  }

  const maxPolls = Math.max(1, Math.ceil(options.totalTimeoutMs / Math.max(1, options.pollIntervalMs)));
  for (let poll = 1; ; poll++) {
    let result: IsCompleteResponse;
    try {
      result = await invoke('isComplete', isComplete.bind(options.handler), resourceEvent, options);
      if (typeof result !== 'object' || result === null) {
        throw new Error(`isComplete returned ${JSON.stringify(result)}: expected { IsComplete: boolean }`);
      }
      if (!result.IsComplete && result.Data && Object.keys(result.Data).length > 0) {
        throw new Error('"Data" is not allowed if "IsComplete" is "False"');
      }
    } catch (e) {
      return { status: 'FAILED', reason: messageOf(e), physicalResourceId };
    }
    if (result.IsComplete) {
      return respond(resourceEvent, { ...onEventResult.Data, ...result.Data });
    }
    if (poll >= maxPolls) {
      return { status: 'FAILED', reason: 'Operation timed out', physicalResourceId };
    }
    if (deadline !== undefined && Date.now() >= deadline) {
      return { status: 'FAILED', reason: `Custom resource did not stabilize within its ServiceTimeout of ${options.serviceTimeoutMs! / 1000} seconds`, physicalResourceId };
    }
    options.onPoll?.(poll, Date.now() - started);
    await new Promise(resolve => setTimeout(resolve, options.pollIntervalMs));
  }
}

function respond(event: CustomResourceEvent & { PhysicalResourceId: string }, data: Record<string, unknown>): ProviderOutcome {
  const body = JSON.stringify({
    Status: 'SUCCESS',
    Reason: 'SUCCESS',
    StackId: event.StackId,
    RequestId: event.RequestId,
    PhysicalResourceId: event.PhysicalResourceId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  if (Buffer.byteLength(body) > MAX_RESPONSE_BYTES) {
    return { status: 'FAILED', reason: 'Response object is too long.', physicalResourceId: event.PhysicalResourceId };
  }
  return { status: 'SUCCESS', physicalResourceId: event.PhysicalResourceId, data };
}

/** One Lambda invocation: a private copy of the event, a context, the environment and the timeout. */
async function invoke<T>(
  entry: 'onEvent' | 'isComplete',
  fn: (event: any, context: LambdaContext) => T | Promise<T>,
  event: object,
  options: ProviderOptions,
): Promise<T> {
  const functionName = `${options.functionNamePrefix}-${entry}`.slice(0, 64);
  const deadline = Date.now() + options.lambdaTimeoutMs;
  const context: LambdaContext = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${options.region}:${options.account}:function:${functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  const restore = applyEnvironment({
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
    ...options.environment,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Task timed out after ${(options.lambdaTimeoutMs / 1000).toFixed(2)} seconds`)), options.lambdaTimeoutMs);
    });
    const run = Promise.resolve().then(() => fn(structuredClone(event), context));
    run.catch(() => undefined); // a timed-out invocation may still fail later; nobody is listening
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
    restore();
  }
}

function applyEnvironment(vars: Record<string, string>): () => void {
  const saved = Object.keys(vars).map(k => [k, process.env[k]] as const);
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of saved) {
      if (v === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = v;
      }
    }
  };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
}
