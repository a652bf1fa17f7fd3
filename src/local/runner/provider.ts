import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { FunctionModule } from './function';
import { withFunctionLog } from './function-logs';

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
export const MAX_RESPONSE_BYTES = 4096;

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

/** What a request cost: invocations of the handler (onEvent, every isComplete poll; retries and continuations). */
export interface InvocationCount {
  readonly invocations: number;
}

/**
 * Loads a handler module (e.g. the bundle at assets/handler/index.js) with Node's own require: a
 * function that answers CloudFormation itself (it exports `handler`), or a Provider framework
 * handler (it exports onEvent, and isComplete for asynchronous resources).
 */
export function loadHandlerModule(file: string): HandlerModule | FunctionModule {
  const absolute = path.resolve(file);
  const mod = createRequire(absolute)(absolute) as Partial<HandlerModule & FunctionModule>;
  if (typeof mod.handler !== 'function' && typeof mod.onEvent !== 'function') {
    throw new Error(`${absolute} exports neither a handler nor an onEvent function`);
  }
  if (mod.isComplete !== undefined && typeof mod.isComplete !== 'function') {
    throw new Error(`${absolute} exports an isComplete that is not a function`);
  }
  return mod as HandlerModule | FunctionModule;
}

/** A presigned-URL-like ResponseURL: realistic, never contacted, never printed. */
export function fakeResponseUrl(region: string, stackId: string, logicalId: string, requestId: string): string {
  const key = encodeURIComponent(`${stackId}|${logicalId}|${requestId}`);
  return `https://cloudformation-custom-resource-response-${region.replace(/-/g, '')}.s3.amazonaws.com/${key}`
    + `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=${randomBytes(32).toString('hex')}`;
}

/** Runs one request through the framework and answers what CloudFormation would receive. */
export async function runProvider(event: CustomResourceEvent, options: ProviderOptions): Promise<ProviderOutcome & InvocationCount> {
  let invocations = 0;
  const outcome = await throughFramework(event, options, () => invocations++);
  return { ...outcome, invocations };
}

async function throughFramework(event: CustomResourceEvent, options: ProviderOptions, counted: () => void): Promise<ProviderOutcome> {
  // The framework acknowledges the Delete that follows a Create it reported as failed, without
  // calling the handler.
  if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_MARKER) {
    return { status: 'SUCCESS', physicalResourceId: CREATE_FAILED_MARKER, data: {} };
  }
  const started = Date.now();
  const deadline = options.serviceTimeoutMs === undefined ? undefined : started + options.serviceTimeoutMs;

  let onEventResult: OnEventResponse;
  try {
    counted();
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
      counted();
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
      return { status: 'FAILED', reason: serviceTimeoutReason(options.serviceTimeoutMs!), physicalResourceId };
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

/** CloudFormation's reason when a custom resource gets no answer within its ServiceTimeout. */
export function serviceTimeoutReason(serviceTimeoutMs: number): string {
  return `Custom resource did not stabilize within its ServiceTimeout of ${serviceTimeoutMs / 1000} seconds`;
}

/** The function name a Lambda function ARN holds (an alias or version qualifier left off); undefined for anything else. */
export function functionNameOf(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:lambda:[^:]+:\d{12}:function:([^:]+)(?::[^:]+)?$/.exec(arn)?.[1];
}

/** One invocation of a Provider framework handler: onEvent and isComplete are separate functions. */
function invoke<T>(
  entry: 'onEvent' | 'isComplete',
  fn: (event: any, context: LambdaContext) => T | Promise<T>,
  event: object,
  options: ProviderOptions,
): Promise<T> {
  return invokeInProcess(fn, event, {
    functionName: `${options.functionNamePrefix}-${entry}`.slice(0, 64),
    region: options.region,
    account: options.account,
    timeoutMs: options.lambdaTimeoutMs,
    environment: options.environment,
  });
}

export interface InvocationOptions {
  readonly functionName: string;
  readonly region: string;
  readonly account: string;
  /** The invocation fails with "Task timed out" after this long. */
  readonly timeoutMs: number;
  /** The function's environment, on process.env while any invocation runs. */
  readonly environment: Readonly<Record<string, string>>;
  /** Where what the function prints goes, as CloudWatch Logs would keep it. @default the console */
  readonly logFile?: string;
}

/**
 * One Lambda invocation in this process: a private copy of the event, a Lambda context whose
 * remaining time counts down from the timeout, the function's environment, and "Task timed out"
 * when it runs longer (the invocation is then abandoned; a process cannot freeze it as Lambda does).
 */
export async function invokeInProcess<T>(
  fn: (event: any, context: LambdaContext) => T | Promise<T>,
  event: unknown,
  options: InvocationOptions,
): Promise<T> {
  const { functionName } = options;
  const deadline = Date.now() + options.timeoutMs;
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
  const release = environment.acquire({
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
      timer = setTimeout(() => reject(new Error(`Task timed out after ${(options.timeoutMs / 1000).toFixed(2)} seconds`)), options.timeoutMs);
    });
    const run = withFunctionLog(options.logFile, context.awsRequestId, async () => fn(structuredClone(event), context));
    run.catch(() => undefined); // a timed-out invocation may still fail later; nobody is listening
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
    release();
  }
}

/**
 * process.env as Lambda sets it for the invocations that run: applied when the first starts,
 * restored when the last ends, so that overlapping invocations (a function that invokes itself)
 * neither lose nor leak it. Overlapping invocations share the environment of the first.
 */
const environment = (() => {
  let holders = 0;
  let saved: (readonly [string, string | undefined])[] = [];
  return {
    acquire(vars: Record<string, string>): () => void {
      if (holders++ === 0) {
        saved = Object.keys(vars).map(k => [k, process.env[k]] as const);
        Object.assign(process.env, vars);
      }
      let released = false;
      return () => {
        if (released) {
          return;
        }
        released = true;
        if (--holders === 0) {
          for (const [k, v] of saved) {
            if (v === undefined) {
              delete process.env[k];
            } else {
              process.env[k] = v;
            }
          }
        }
      };
    },
  };
})();

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e);
}
