import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { addExampleStack, ExampleStage } from '../../examples/app';
import { MUTATING_OPERATIONS } from '../../src/local/model';
import { fakeResponseUrl } from '../../src/local/runner/provider';
import { Bundle, LambdaContext, lambdaContext } from '../lambda-container';

export { BUNDLE, closedPort, InvocationError, LambdaContainer, lambdaContext } from '../lambda-container';
export type { Bundle, LambdaContext } from '../lambda-container';

/**
 * Shared helpers of the security tests: the real handler bundle, a Provider-framework emulation
 * that produces the very body CloudFormation receives, output capture, a fake Secrets Manager, and
 * readers for synthesized assemblies and IAM statements.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

// ---------------------------------------------------------------------------------------------
// CloudFormation events and the Provider framework

export const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/security/3f1c2b9a-0d4e-4b7a-9c1f-2a6b8e0d4c11`;

export interface EventOptions {
  readonly stackId?: string;
  readonly logicalResourceId?: string;
  readonly requestId?: string;
  readonly physicalResourceId?: string;
  readonly oldProperties?: Record<string, unknown>;
}

let requestCounter = 0;

/** A CloudFormation request as the framework passes it on: every scalar a string, a pre-signed ResponseURL. */
export function cfnEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  resourceType: string,
  properties: Record<string, unknown>,
  options: EventOptions = {},
): Record<string, unknown> {
  const stackId = options.stackId ?? STACK_ID;
  const logicalResourceId = options.logicalResourceId ?? 'Resource';
  const requestId = options.requestId ?? `0c9e7f3a-5b1d-4e2f-8a6c-${String(++requestCounter).padStart(12, '0')}`;
  const serviceToken = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:security-framework-onEvent`;
  return {
    RequestType: requestType,
    ServiceToken: serviceToken,
    ResponseURL: fakeResponseUrl(REGION, stackId, logicalResourceId, requestId),
    StackId: stackId,
    RequestId: requestId,
    LogicalResourceId: logicalResourceId,
    ResourceType: resourceType,
    ResourceProperties: { ServiceToken: serviceToken, ...stringified(properties) },
    ...(options.oldProperties ? { OldResourceProperties: { ServiceToken: serviceToken, ...stringified(options.oldProperties) } } : {}),
    ...(options.physicalResourceId !== undefined ? { PhysicalResourceId: options.physicalResourceId } : {}),
  };
}

/** CloudFormation renders every scalar as a string. */
function stringified(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) =>
    (typeof item === 'boolean' || typeof item === 'number' ? String(item) : item)));
}

/** The physical id aws-cdk-lib's framework reports for a Create whose onEvent failed. */
export const CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

export interface FrameworkRun {
  readonly status: 'SUCCESS' | 'FAILED';
  /** The JSON body the framework PUTs to the ResponseURL: exactly what CloudFormation receives. */
  readonly body: string;
  readonly response: Record<string, any>;
  /** Every value the bundle returned or threw, as the framework received it. */
  readonly returned: unknown[];
  /** The failure message as thrown by the bundle (before the framework adds its log line). */
  readonly error?: string;
  readonly errorStack?: string;
  /** The event isComplete saw last (onEvent's result merged in). */
  readonly completionEvent?: Record<string, unknown>;
}

export interface FrameworkOptions {
  /** The Lambda timeout each invocation counts down from. @default 120 s */
  readonly lambdaTimeoutMs?: number;
  /** isComplete polls before giving up ("Operation timed out"). @default 20 */
  readonly maxPolls?: number;
  /** Between polls. @default 0 */
  readonly pollIntervalMs?: number;
  /** The Lambda function name in the reason's log line (up to 64 characters). */
  readonly functionName?: string;
}

/**
 * One request through aws-cdk-lib's Provider framework with an isComplete handler, reproducing its
 * runtime (custom-resources/lib/provider-framework/runtime/framework.js and cfn-response.js of
 * aws-cdk-lib 2.174.0): the payload it invokes the handler with, how a handler error becomes the
 * reason (the Lambda error's message plus a log-group line, and stack frames after the first line of
 * the Lambda trace), and the response body it submits.
 */
export async function throughFramework(bundle: Bundle, event: Record<string, unknown>, options: FrameworkOptions = {}): Promise<FrameworkRun> {
  const returned: unknown[] = [];
  const functionName = options.functionName ?? 'security-CodeStarProviderOnEventHandler';
  const invoke = async <T>(fn: (e: unknown, c: LambdaContext) => Promise<T>, payload: Record<string, unknown>): Promise<T> => {
    try {
      const result = await fn(JSON.parse(JSON.stringify(payload)), lambdaContext(options.lambdaTimeoutMs ?? 120_000));
      // The Lambda service serializes the result: only JSON survives.
      const json = result === undefined ? undefined : JSON.parse(JSON.stringify(result));
      returned.push(json);
      return json;
    } catch (e) {
      returned.push(e);
      throw e;
    }
  };
  const fail = (reqEvent: Record<string, unknown>, e: unknown, completionEvent?: Record<string, unknown>): FrameworkRun => {
    const error = e as Error;
    // The Node.js Lambda runtime reports { errorType, errorMessage, trace: stack.split('\n') }.
    const trace = String(error?.stack ?? '').split('\n');
    const message = [error?.message ?? 'error', '', `Logs: /aws/lambda/${functionName}`, ''].join('\n');
    const reason = [message, ...trace.slice(1)].join('\n');
    const failedEvent = { ...reqEvent };
    if (!failedEvent.PhysicalResourceId && failedEvent.RequestType === 'Create') {
      failedEvent.PhysicalResourceId = CREATE_FAILED_MARKER;
    }
    return { ...submit('FAILED', failedEvent, reason), returned, error: error?.message, errorStack: error?.stack, completionEvent };
  };

  if (event.RequestType === 'Delete' && event.PhysicalResourceId === CREATE_FAILED_MARKER) {
    return { ...submit('SUCCESS', event), returned };
  }
  const sanitized = { ...event, ResponseURL: '...' };
  let onEventResult: Record<string, unknown> | undefined;
  try {
    onEventResult = await invoke((e, c) => bundle.onEvent(e, c), { ...sanitized, ResponseURL: event.ResponseURL });
  } catch (e) {
    return fail(event, e);
  }
  const physicalResourceId = (onEventResult?.PhysicalResourceId as string | undefined)
    || (event.RequestType === 'Create' ? event.RequestId : event.PhysicalResourceId);
  const resourceEvent: Record<string, unknown> = { ...event, ...onEventResult, PhysicalResourceId: physicalResourceId };
  for (let poll = 1; ; poll++) {
    let result: { IsComplete: boolean; Data?: Record<string, unknown> };
    try {
      result = await invoke((e, c) => bundle.isComplete(e, c), { ...resourceEvent, ResponseURL: event.ResponseURL });
    } catch (e) {
      return fail(resourceEvent, e, resourceEvent);
    }
    if (result.IsComplete) {
      const response = { ...resourceEvent, ...result, Data: { ...(resourceEvent.Data as object), ...result.Data } };
      return { ...submit('SUCCESS', response), returned, completionEvent: resourceEvent };
    }
    if (poll >= (options.maxPolls ?? 20)) {
      return { ...submit('FAILED', resourceEvent, 'Operation timed out'), returned, completionEvent: resourceEvent };
    }
    await new Promise(resolve => setTimeout(resolve, options.pollIntervalMs ?? 0));
  }
}

function submit(status: 'SUCCESS' | 'FAILED', event: Record<string, unknown>, reason?: string) {
  const response = {
    Status: status,
    Reason: reason || status,
    StackId: event.StackId,
    RequestId: event.RequestId,
    PhysicalResourceId: event.PhysicalResourceId || 'AWSCDK::CustomResourceProviderFramework::MISSING_PHYSICAL_ID',
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: undefined,
    Data: event.Data,
  };
  return { status, body: JSON.stringify(response), response: JSON.parse(JSON.stringify(response)) };
}

/** CloudFormation rejects a custom resource response larger than this. */
export const MAX_RESPONSE_BYTES = 4096;

// ---------------------------------------------------------------------------------------------
// Output

/** The canaries among `values` that occur in `text`, for a readable failure message. */
export function leaked(text: string, values: readonly string[]): string[] {
  return values.filter(value => text.includes(value));
}

// ---------------------------------------------------------------------------------------------
// A fake Secrets Manager

export interface FakeSecretsManager {
  readonly url: string;
  /** SecretIds asked for, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** GetSecretValue over JSON 1.1 on 127.0.0.1, answering the given secret strings by ARN. */
export async function startFakeSecretsManager(secrets: Record<string, string>): Promise<FakeSecretsManager> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const input = JSON.parse(Buffer.concat(chunks).toString('utf-8') || '{}');
      const reply = (status: number, body: object, errorType?: string) => {
        const text = JSON.stringify(errorType ? { __type: errorType, message: (body as { message: string }).message } : body);
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
        res.end(text);
      };
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(400, { message: `unsupported ${target}` }, 'InvalidRequestException');
        return;
      }
      requests.push(input.SecretId);
      const value = secrets[input.SecretId];
      if (value === undefined) {
        reply(400, { message: "Secrets Manager can't find the specified secret." }, 'ResourceNotFoundException');
        return;
      }
      reply(200, { ARN: input.SecretId, Name: input.SecretId.split(':').pop(), SecretString: value, VersionId: 'v1', CreatedDate: 1 });
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>(resolve => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

/** An HTTP server on 127.0.0.1 that accepts every request and never answers. */
export async function startHungServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(() => undefined);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>(resolve => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}


// ---------------------------------------------------------------------------------------------
// Synthesized assemblies

export function tempDir(prefix = 'cdk-codestar-security-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Synthesizes the example app at a stage into its own directory. */
export function synthExample(stage: ExampleStage): { stack: Stack; assembly: CloudAssembly; template: any; templateFile: string } {
  const app = new App({ outdir: tempDir() });
  const stack = addExampleStack(app, stage);
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return { stack, assembly, template: artifact.template, templateFile: artifact.templateFullPath };
}

/** Every file under a directory (a cloud assembly: templates, manifests, tree.json, asset folders). */
export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

// ---------------------------------------------------------------------------------------------
// IAM

export interface Statement {
  /** The logical id of the resource the statement is in. */
  readonly owner: string;
  readonly ownerType: string;
  readonly Effect: string;
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: Record<string, unknown>;
  readonly Sid?: string;
}

/** Every identity-policy statement of a template: policies, managed policies and roles' inline policies. */
export function allStatements(template: any): Statement[] {
  const statements: Statement[] = [];
  const add = (owner: string, ownerType: string, document: any) => {
    for (const s of [document?.Statement ?? []].flat()) {
      statements.push({ ...s, owner, ownerType, Action: [s.Action ?? []].flat(), Resource: [s.Resource ?? []].flat() });
    }
  };
  for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      add(id, resource.Type, p.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role' || resource.Type === 'AWS::IAM::User') {
      for (const inline of p.Policies ?? []) {
        add(id, resource.Type, inline.PolicyDocument);
      }
    }
  }
  return statements;
}

/** The CodeStar actions that change something, from the API model: `codestar:<Operation>`. */
export const MUTATING_CODESTAR_ACTIONS: ReadonlySet<string> = new Set([...MUTATING_OPERATIONS].map(op => `codestar:${op}`));

/** Whether an IAM action pattern (with `*` and `?`) matches an action. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('').map(c => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 'i');
  return re.test(action);
}

/** The logical id of the cdk-codestar handler role, and of each policy attached to it. */
export function handlerRoleAndPolicies(template: any): { role: string; policies: string[] } {
  const resources = Object.entries<any>(template.Resources);
  const roles = resources.filter(([, r]) => r.Type === 'AWS::IAM::Role' && String(r.Properties.Description ?? '').startsWith('cdk-codestar handler'));
  expect(roles).toHaveLength(1);
  const role = roles[0][0];
  const policies = resources
    .filter(([, r]) => (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      && (r.Properties.Roles ?? []).some((x: any) => x.Ref === role))
    .map(([id]) => id);
  return { role, policies };
}
