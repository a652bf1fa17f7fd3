import { ChildProcess, fork } from 'node:child_process';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';

/**
 * The handler bundle in a Lambda-like container, shared by the security and end-to-end tests: its
 * own Node.js process (lambda-runtime.js), so that it runs in one realm as it does in Lambda.
 */

/** The bundle `npx projen bundle:handler` builds. */
export const BUNDLE = path.join(__dirname, '..', 'assets', 'handler', 'index.js');
const REGION = 'us-east-1';

/** What the tests give a handler of its Lambda context; any other plain fields travel with it. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

export interface Bundle {
  /** The Lambda entry point (`index.handler`): answers CloudFormation at the event's ResponseURL. */
  handler(event: unknown, context?: LambdaContext): Promise<void>;
  onEvent(event: unknown, context?: LambdaContext): Promise<Record<string, unknown> | undefined>;
  isComplete(event: unknown, context?: LambdaContext): Promise<{ IsComplete: boolean; Data?: Record<string, unknown> }>;
}

/** The error a container invocation rejects with: what the Lambda runtime reports. */
export class InvocationError extends Error {
  constructor(name: string, message: string, stack: string | undefined) {
    super(message);
    this.name = name;
    this.stack = stack;
  }
}

interface Answer {
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: { name: string; message: string; stack?: string };
  /** Bytes the container had printed when it answered. */
  readonly printed?: number;
}

/**
 * The bundle in its container: loaded once, invoked over IPC, everything it prints captured from
 * its stdout and stderr. An invocation resolves only once everything the container printed up to
 * its answer has arrived, so its log lines are in `output` by then. Its SDK clients are created on
 * its first event, with the endpoints of its environment. Fake credentials, and every other AWS
 * endpoint pointed at a closed local port, so that nothing can ever reach AWS.
 */
export class LambdaContainer implements Bundle {
  public static async start(environment: Record<string, string>, bundle = BUNDLE): Promise<LambdaContainer> {
    const { AWS_PROFILE: _profile, AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, AWS_SESSION_TOKEN: _token, ...inherited } = process.env;
    const child = fork(path.join(__dirname, 'lambda-runtime.js'), [], {
      env: {
        ...inherited,
        CDK_CODESTAR_BUNDLE: bundle,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'ASIACONTAINERTESTS00',
        AWS_SECRET_ACCESS_KEY: 'container-tests-fake-secret-key',
        AWS_SESSION_TOKEN: 'container-tests-fake-session-token',
        AWS_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}`,
        ...environment,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const container = new LambdaContainer(child);
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', code => reject(new Error(`the Lambda container exited with ${code}`)));
    });
    return container;
  }

  /** Everything the container printed, stdout and stderr, in the order it arrived. */
  public readonly output: string[] = [];
  private received = 0;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  /** Answers waiting for the output printed before them. */
  private readonly unprinted: Array<{ printed: number; deliver: () => void }> = [];
  private nextId = 0;

  private constructor(private readonly child: ChildProcess) {
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        this.output.push(chunk.toString('utf-8'));
        this.received += chunk.length;
        this.deliverPrinted();
      });
    }
    child.on('message', (message: Answer) => {
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) {
        return;
      }
      this.pending.delete(message.id!);
      const deliver = message.error
        ? () => waiting.reject(new InvocationError(message.error!.name, message.error!.message, message.error!.stack))
        : () => waiting.resolve(message.result === null ? undefined : message.result);
      this.unprinted.push({ printed: message.printed ?? 0, deliver });
      this.deliverPrinted();
    });
  }

  /** Everything printed so far, as one text. */
  public get text(): string {
    return this.output.join('');
  }

  /** Everything printed so far, as lines. */
  public lines(): string[] {
    return this.text.split('\n').filter(line => line !== '');
  }

  public handler(event: unknown, context?: LambdaContext): Promise<void> {
    return this.invoke('handler', event, context);
  }

  public onEvent(event: unknown, context?: LambdaContext): Promise<any> {
    return this.invoke('onEvent', event, context);
  }

  public isComplete(event: unknown, context?: LambdaContext): Promise<any> {
    return this.invoke('isComplete', event, context);
  }

  public async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise(resolve => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
  }

  private invoke(entry: string, event: unknown, context?: LambdaContext): Promise<any> {
    const id = ++this.nextId;
    // The context's plain fields travel as they are; its clock is rebuilt in the container.
    const fields = Object.fromEntries(Object.entries(context ?? {}).filter(([, value]) => typeof value !== 'function'));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, entry, event, context: fields, remainingMs: context?.getRemainingTimeInMillis() ?? 120_000 });
    });
  }

  private deliverPrinted(): void {
    while (this.unprinted.length > 0 && this.unprinted[0].printed <= this.received) {
      this.unprinted.shift()!.deliver();
    }
  }
}

/** A Lambda context whose remaining time counts down from `timeoutMs` from now. */
export function lambdaContext(timeoutMs: number): LambdaContext {
  const end = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
}

/** A port on 127.0.0.1 with nothing listening: connections are refused. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}
