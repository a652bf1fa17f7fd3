import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CustomResourceEvent, functionNameOf, InvocationCount, invokeInProcess, LambdaContext, MAX_RESPONSE_BYTES, ProviderOutcome, serviceTimeoutReason,
} from './provider';

/**
 * A function that answers CloudFormation itself (the library's provider, `index.handler`, as
 * aws-cdk-lib's CustomResourceProvider functions do), run as CloudFormation and Lambda run it:
 *
 * - CloudFormation invokes it asynchronously with a pre-signed ResponseURL and waits for the answer
 *   there, at most the resource's ServiceTimeout (CLOUDFORMATION.md 12, 14, 17). The ResponseURL
 *   here points at a local stand-in for the response bucket, which checks the answer as
 *   CloudFormation does (its size, its status, the request it answers, the physical id).
 * - Lambda retries an asynchronous invocation that fails (a thrown error or a timeout) twice.
 * - The function may invoke itself to go on waiting (Lambda's Invoke API): a local stand-in for
 *   Lambda, reached through the SDK's standard AWS_ENDPOINT_URL_LAMBDA, runs that invocation too.
 *
 * Invocations run in this process, one module for every invocation (a warm container). One local
 * server per process serves both stand-ins (the SDK clients a module caches keep the endpoint they
 * first resolved, so it must not move), on 127.0.0.1 only, and never keeps the process alive.
 */

/** A module whose `handler` answers CloudFormation itself. */
export interface FunctionModule {
  handler(event: unknown, context: LambdaContext): unknown;
}

export function isFunctionModule(module: object): module is FunctionModule {
  return typeof (module as Partial<FunctionModule>).handler === 'function';
}

export interface FunctionOptions {
  readonly module: FunctionModule;
  /** The function's name, as its ARN (the ServiceToken) holds it. */
  readonly functionName: string;
  readonly region: string;
  readonly account: string;
  /** Each invocation fails with "Task timed out" after this long. */
  readonly timeoutMs: number;
  /** The function's environment; AWS_ENDPOINT_URL_LAMBDA is set to the Lambda stand-in. */
  readonly environment: Readonly<Record<string, string>>;
  /** How long CloudFormation waits for the answer (the resource's ServiceTimeout). @default 3600 s */
  readonly serviceTimeoutMs?: number;
  /** Lambda's delays before retrying a failed asynchronous invocation. @default 1 and 2 minutes */
  readonly retryDelaysMs?: readonly number[];
  /** Called when an invocation for the request starts (1 for CloudFormation's own). */
  readonly onInvocation?: (invocation: number, elapsedMs: number) => void;
  /** Where what the function prints goes (`function-logs.ts`). @default the console */
  readonly logFile?: string;
}

/** CloudFormation's own limit on a ServiceTimeout, and its default. */
const DEFAULT_SERVICE_TIMEOUT_MS = 3_600_000;
/** Lambda's retries of a failed asynchronous invocation. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];
/** Lambda's limit on an asynchronous invocation's payload. */
const MAX_EVENT_PAYLOAD_BYTES = 256 * 1024;
/** CloudFormation's limit on a physical resource id. */
const MAX_PHYSICAL_ID_LENGTH = 1024;

const RESPONSE_PATH = '/cloudformation-response/';
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** A function the Lambda stand-in knows, and the stand-in's endpoint. */
interface RegisteredFunction {
  readonly options: FunctionOptions;
  readonly endpoint: string;
}

/** A request waiting for its answer at the response bucket. */
interface Pending {
  readonly event: CustomResourceEvent;
  readonly signature: string;
  readonly fn: RegisteredFunction;
  readonly started: number;
  invocations: number;
  /** Invocations running or waiting for a retry. */
  active: number;
  /** Answered (or given up on): no failed invocation is retried any more. */
  settled: boolean;
  /** Retry delays waiting: ended at once when the request settles. */
  readonly waits: Set<() => void>;
  settle(outcome: ProviderOutcome): void;
  /** Called when no invocation of the request runs or waits for a retry any more. */
  idle(): void;
}

interface LocalServer {
  readonly url: string;
  /** Pending requests by their ResponseURL key, and by RequestId for the function's own invocations. */
  readonly byKey: Map<string, Pending>;
  readonly byRequestId: Map<string, Pending>;
  readonly functions: Map<string, RegisteredFunction>;
  /**
   * The signatures of ResponseURLs whose request is settled: S3 accepts a PUT to a pre-signed URL
   * until it expires, and CloudFormation keeps the first answer, so a later one is taken and ignored.
   */
  readonly settledKeys: Map<string, string>;
}

let serverPromise: Promise<LocalServer> | undefined;

function localServer(): Promise<LocalServer> {
  serverPromise ??= new Promise<LocalServer>((resolve, reject) => {
    const byKey = new Map<string, Pending>();
    const byRequestId = new Map<string, Pending>();
    const functions = new Map<string, RegisteredFunction>();
    const settledKeys = new Map<string, string>();
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (req.method === 'PUT' && url.pathname.startsWith(RESPONSE_PATH)) {
          const key = decodeURIComponent(url.pathname.slice(RESPONSE_PATH.length));
          answerResponse(byKey.get(key), settledKeys.get(key), url.searchParams.get('X-Amz-Signature'), body, res);
          return;
        }
        const invoke = INVOKE_PATH.exec(url.pathname);
        if (req.method === 'POST' && invoke) {
          answerInvoke(functions, byRequestId, decodeURIComponent(invoke[1]), String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse'), body, res);
          return;
        }
        res.writeHead(404).end();
      });
    });
    // Keep-alive connections (the SDK's) must not keep the process alive either.
    server.on('connection', socket => socket.unref());
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, byKey, byRequestId, functions, settledKeys });
    });
  });
  return serverPromise;
}

/**
 * The Lambda stand-in's endpoint (AWS_ENDPOINT_URL_LAMBDA), for a function that runs in another
 * process (a container) and invokes itself: it is the same for the whole process.
 */
export async function localLambdaEndpoint(): Promise<string> {
  return (await localServer()).url;
}

/** The ResponseURL of a request: pre-signed, as CloudFormation's, at the local response bucket. */
export async function localResponseUrl(stackId: string, logicalId: string, requestId: string): Promise<string> {
  const { url } = await localServer();
  const key = encodeURIComponent(`${stackId}|${logicalId}|${requestId}`);
  return `${url}${RESPONSE_PATH}${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=${randomBytes(32).toString('hex')}`;
}

/**
 * Delivers one request to the function and waits for its answer at the ResponseURL, as
 * CloudFormation does; `event.ResponseURL` must come from `localResponseUrl`.
 */
export async function runFunction(event: CustomResourceEvent, options: FunctionOptions): Promise<ProviderOutcome & InvocationCount> {
  const server = await localServer();
  const responseUrl = new URL(event.ResponseURL);
  const key = decodeURIComponent(responseUrl.pathname.slice(RESPONSE_PATH.length));
  const signature = responseUrl.searchParams.get('X-Amz-Signature') ?? '';
  if (!responseUrl.pathname.startsWith(RESPONSE_PATH) || signature === '') {
    throw new Error('the ResponseURL is not one localResponseUrl made');
  }
  const fn: RegisteredFunction = { options, endpoint: server.url };
  server.functions.set(options.functionName, fn);
  const serviceTimeoutMs = options.serviceTimeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS;
  let answer!: (outcome: ProviderOutcome) => void;
  let idle!: () => void;
  const answered = new Promise<ProviderOutcome>(resolve => { answer = resolve; });
  const ended = new Promise<void>(resolve => { idle = resolve; });
  const pending: Pending = {
    event,
    signature,
    fn,
    started: Date.now(),
    invocations: 0,
    active: 0,
    settled: false,
    waits: new Set(),
    idle,
    settle: (outcome) => {
      pending.settled = true;
      answer(outcome);
      [...pending.waits].forEach(end => end());
    },
  };
  server.byKey.set(key, pending);
  server.byRequestId.set(event.RequestId, pending);
  let timedOut = false;
  const timer = setTimeout(() => (timedOut = true) && pending.settle({
    status: 'FAILED',
    reason: serviceTimeoutReason(serviceTimeoutMs),
    physicalResourceId: event.PhysicalResourceId,
  }), serviceTimeoutMs);
  invokeAsync(pending, fn, event);
  const outcome = await answered;
  clearTimeout(timer);
  server.byKey.delete(key);
  server.settledKeys.set(key, signature);
  // CloudFormation goes on at once; the runner lets the request's invocations end first (each is
  // bounded by the function timeout), so that none outlives the run. A timed-out one is not waited for.
  if (!timedOut) {
    await ended;
  }
  if (server.byRequestId.get(event.RequestId) === pending) {
    server.byRequestId.delete(event.RequestId);
  }
  if (server.functions.get(options.functionName) === fn) {
    server.functions.delete(options.functionName);
  }
  return { ...outcome, invocations: pending.invocations };
}

/**
 * An asynchronous invocation, with Lambda's retries. When the last invocation of a request ends
 * without an answer, CloudFormation would wait out the ServiceTimeout: the request fails now, with
 * the reason CloudFormation would give then.
 */
function invokeAsync(pending: Pending, fn: RegisteredFunction, payload: unknown): void {
  const { options } = fn;
  pending.active++;
  const attempt = async (retry: number): Promise<void> => {
    pending.invocations++;
    options.onInvocation?.(pending.invocations, Date.now() - pending.started);
    try {
      await invokeInProcess((e, context) => options.module.handler(e, context), payload, contextOptions(fn));
    } catch {
      // Lambda would retry even after an answer, as a redelivery (CloudFormation keeps the first
      // answer); the runner makes redeliveries on purpose instead (LifecycleRunnerOptions.redeliver).
      const delay = (options.retryDelaysMs ?? ASYNC_RETRY_DELAYS_MS)[retry];
      if (delay !== undefined && !pending.settled) {
        // Ends early when the request settles: nothing is retried after that.
        await new Promise<void>(resolve => {
          const end = () => {
            clearTimeout(wait);
            pending.waits.delete(end);
            resolve();
          };
          const wait = setTimeout(end, delay);
          pending.waits.add(end);
        });
        return pending.settled ? undefined : attempt(retry + 1);
      }
    }
  };
  void attempt(0).finally(() => {
    pending.active--;
    if (pending.active === 0) {
      pending.idle();
      pending.settle({
        status: 'FAILED',
        reason: `${serviceTimeoutReason(options.serviceTimeoutMs ?? DEFAULT_SERVICE_TIMEOUT_MS)} (the function ended without answering)`,
        physicalResourceId: pending.event.PhysicalResourceId,
      });
    }
  });
}

/** An invocation's context and environment: the function's own, and the Lambda stand-in as its Lambda endpoint. */
function contextOptions(fn: RegisteredFunction) {
  const { options } = fn;
  return {
    functionName: options.functionName,
    region: options.region,
    account: options.account,
    timeoutMs: options.timeoutMs,
    environment: { ...options.environment, AWS_ENDPOINT_URL_LAMBDA: fn.endpoint },
    logFile: options.logFile,
  };
}

/**
 * The response bucket: checks an answer as CloudFormation does and settles its request. A later
 * answer to a settled request is taken and ignored (the URL is still valid); a forged URL is refused.
 */
function answerResponse(
  pending: Pending | undefined, settledSignature: string | undefined, signature: string | null, body: Buffer, res: http.ServerResponse,
): void {
  if (pending && signature === pending.signature) {
    res.writeHead(200).end();
    pending.settle(outcomeOf(pending.event, body));
  } else if (!pending && settledSignature !== undefined && signature === settledSignature) {
    res.writeHead(200).end();
  } else {
    res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code></Error>');
  }
}

/** What CloudFormation makes of the body PUT to a request's ResponseURL. */
export function outcomeOf(event: CustomResourceEvent, body: Buffer): ProviderOutcome {
  const failed = (reason: string): ProviderOutcome => ({ status: 'FAILED', reason, physicalResourceId: event.PhysicalResourceId });
  if (body.length > MAX_RESPONSE_BYTES) {
    return failed('Response object is too long.');
  }
  let response: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('not an object');
    }
    response = parsed as Record<string, unknown>;
  } catch {
    return failed('Invalid response object: the body is not a JSON object');
  }
  for (const field of ['StackId', 'RequestId', 'LogicalResourceId'] as const) {
    if (response[field] !== event[field]) {
      return failed(`Invalid response object: ${field} ${JSON.stringify(response[field])} is not the request's`);
    }
  }
  const physicalResourceId = response.PhysicalResourceId;
  if (typeof physicalResourceId !== 'string' || physicalResourceId === '' || physicalResourceId.length > MAX_PHYSICAL_ID_LENGTH) {
    return failed('Invalid PhysicalResourceId');
  }
  const data = response.Data ?? {};
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return failed('Invalid response object: Data is not an object');
  }
  if (response.Status === 'SUCCESS') {
    return { status: 'SUCCESS', physicalResourceId, data: data as Record<string, unknown> };
  }
  if (response.Status === 'FAILED') {
    const reason = typeof response.Reason === 'string' && response.Reason !== '' ? response.Reason : 'Failed (no reason given)';
    return { status: 'FAILED', reason, physicalResourceId };
  }
  return failed(`Invalid response object: Status ${JSON.stringify(response.Status)} is neither SUCCESS nor FAILED`);
}

/** Lambda's Invoke API, for the functions this process runs. */
function answerInvoke(
  functions: Map<string, RegisteredFunction>, byRequestId: Map<string, Pending>, name: string, invocationType: string,
  body: Buffer, res: http.ServerResponse,
): void {
  const error = (status: number, type: string, message: string) =>
    res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type }).end(JSON.stringify({ Type: 'User', message }));
  // FunctionName is a name or an ARN (with an optional qualifier).
  const functionName = functionNameOf(name) ?? name;
  const fn = functions.get(functionName);
  if (!fn) {
    error(404, 'ResourceNotFoundException', `Function not found: ${name}`);
    return;
  }
  let payload: unknown;
  try {
    payload = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    error(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    return;
  }
  if (invocationType === 'DryRun') {
    res.writeHead(204).end();
    return;
  }
  if (invocationType !== 'Event') {
    // Synchronous: the function's result, or its error as Lambda reports one.
    invokeInProcess((e, context) => fn.options.module.handler(e, context), payload, contextOptions(fn)).then(
      result => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result ?? null)),
      (e: unknown) => res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
        .end(JSON.stringify({ errorType: e instanceof Error ? e.name : 'Error', errorMessage: e instanceof Error ? e.message : String(e) })),
    );
    return;
  }
  if (body.length > MAX_EVENT_PAYLOAD_BYTES) {
    error(413, 'RequestEntityTooLargeException', `Request must be smaller than ${MAX_EVENT_PAYLOAD_BYTES} bytes for the InvokeAsync operation`);
    return;
  }
  const requestId = typeof payload === 'object' && payload !== null ? (payload as { RequestId?: unknown }).RequestId : undefined;
  const pending = typeof requestId === 'string' ? byRequestId.get(requestId) : undefined;
  if (pending) {
    // The request's own function (another run may have registered one of the same name since).
    invokeAsync(pending, pending.fn, payload);
  } else {
    // Not a CloudFormation request this process waits for: run it, and let nobody wait for it.
    void invokeInProcess((e, context) => fn.options.module.handler(e, context), payload, contextOptions(fn)).catch(() => undefined);
  }
  res.writeHead(202).end();
}
