import { CodeStarClient, CodeStarServiceException } from '@aws-sdk/client-codestar';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type {
  CloudFormationCustomResourceCreateEvent,
  CloudFormationCustomResourceDeleteEvent,
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceUpdateEvent,
} from 'aws-lambda';
import { AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { handlers, LambdaContext } from '../../lambda';
import { IsCompleteResponse, OnEventResponse, WAIT_DEADLINE_KEY } from '../../lambda/event';
import type { Clock } from '../../lambda/retry';

/** Shared fixtures and a strict, fully mocked handler for the handler tests. */

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/app/0f0e0d0c-0000-4000-8000-000000000001';
export const ACCOUNT = '123456789012';
export const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const OTHER_USER_ARN = `arn:aws:iam::${ACCOUNT}:user/bob`;
export const PROJECT_ARN = `arn:aws:codestar:us-east-1:${ACCOUNT}:project/my-proj`;
export const PROJECT_STACK_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/awscodestar-my-proj/abc`;
export const TEMPLATE_ID = 'arn:aws:codestar:us-east-1::project-template/codecommit/nodejs-lambda';
/** The provider function's ARN, as the Lambda context gives it. */
export const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:app-CodeStarProvider-1A2B3C4D';
export const FRAMEWORK_CREATE_FAILED_MARKER = 'AWSCDK::CustomResourceProviderFramework::CREATE_FAILED';

/** What every project onEvent response carries for isComplete: when to stop waiting (see lambda/event.ts). */
export const WAITING = { [WAIT_DEADLINE_KEY]: expect.any(Number) };

/** A service error as the SDK raises it. */
export function serviceError(name: string, message = `${name} happened`, status = 400): Error {
  return new CodeStarServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/**
 * CloudFormation renders every scalar as a string: booleans become 'true' / 'false'. Tests build
 * events through this so that each one exercises the handler's coercion.
 */
export function asCloudFormation(value: unknown): unknown {
  if (typeof value === 'boolean') {
    return String(value);
  }
  if (Array.isArray(value)) {
    return value.map(asCloudFormation);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, asCloudFormation(item)]));
  }
  return value;
}

interface EventOptions {
  readonly logicalResourceId?: string;
  readonly requestId?: string;
}

function base(resourceType: string, options: EventOptions) {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/secret-presigned-url?X-Amz-Signature=abc',
    StackId: STACK_ID,
    RequestId: options.requestId ?? 'request-1',
    LogicalResourceId: options.logicalResourceId ?? 'Resource',
    ResourceType: resourceType,
  };
}

function resourceProperties(properties: object) {
  return { ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider', ...(asCloudFormation(properties) as object) };
}

export function createEvent(resourceType: string, properties: object, options: EventOptions = {}): CloudFormationCustomResourceCreateEvent {
  return { ...base(resourceType, options), RequestType: 'Create', ResourceProperties: resourceProperties(properties) };
}

export function updateEvent(
  resourceType: string,
  physicalResourceId: string,
  properties: object,
  oldProperties: object,
  options: EventOptions = {},
): CloudFormationCustomResourceUpdateEvent {
  return {
    ...base(resourceType, options),
    RequestType: 'Update',
    PhysicalResourceId: physicalResourceId,
    ResourceProperties: resourceProperties(properties),
    OldResourceProperties: resourceProperties(oldProperties),
  };
}

export function deleteEvent(
  resourceType: string,
  physicalResourceId: string,
  properties: object,
  options: EventOptions = {},
): CloudFormationCustomResourceDeleteEvent {
  return {
    ...base(resourceType, options),
    RequestType: 'Delete',
    PhysicalResourceId: physicalResourceId,
    ResourceProperties: resourceProperties(properties),
  };
}

/** What the provider framework passes to isComplete: the request merged with onEvent's result. */
export function completionEvent(event: CloudFormationCustomResourceEvent, result: OnEventResponse) {
  const physicalResourceId = result.PhysicalResourceId
    ?? ('PhysicalResourceId' in event ? event.PhysicalResourceId : event.RequestId);
  return { ...event, ...result, PhysicalResourceId: physicalResourceId };
}

/** A clock that never waits: sleeping advances time and records the delay. */
export class FakeClock implements Clock {
  public readonly sleeps: number[] = [];
  public time = 1_700_000_000_000;

  public readonly now = () => this.time;
  public readonly random = () => 0.5;
  public readonly sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.time += ms;
  };
}

/**
 * The handler under test with mocked clients in strict mode: a command no test configured fails
 * the call and is recorded, and `expectNoUnexpectedCalls` fails the test.
 */
export class Harness {
  public readonly codestar: AwsClientStub<CodeStarClient>;
  public readonly secrets: AwsClientStub<SecretsManagerClient>;
  public readonly lambda: AwsClientStub<LambdaClient>;
  public readonly clock = new FakeClock();
  /** Every line the handler logged. */
  public readonly logs: string[] = [];
  public remainingMs = 120_000;

  private readonly unexpected: string[] = [];
  private readonly handlers;

  constructor() {
    const codestar = new CodeStarClient({ region: 'us-east-1' });
    const secretsManager = new SecretsManagerClient({ region: 'us-east-1' });
    const lambda = new LambdaClient({ region: 'us-east-1' });
    this.codestar = mockClient(codestar);
    this.secrets = mockClient(secretsManager);
    this.lambda = mockClient(lambda);
    const unexpectedCall = (input: object) => {
      this.unexpected.push(JSON.stringify(input));
      throw new Error('Unexpected call in a strict mock');
    };
    this.codestar.onAnyCommand().callsFake(unexpectedCall);
    this.secrets.onAnyCommand().callsFake(unexpectedCall);
    this.lambda.onAnyCommand().callsFake(unexpectedCall);
    this.handlers = handlers({ clients: { codestar, secretsManager, lambda }, logSink: line => this.logs.push(line), clock: this.clock });
  }

  public get context(): LambdaContext {
    return { getRemainingTimeInMillis: () => this.remainingMs };
  }

  public onEvent(event: unknown): Promise<OnEventResponse> {
    return this.handlers.onEvent(event, this.context);
  }

  public isComplete(event: unknown): Promise<IsCompleteResponse> {
    return this.handlers.isComplete(event, this.context);
  }

  /** The function's entry: answers CloudFormation at the event's ResponseURL, or hands the request over. */
  public handler(event: unknown): Promise<void> {
    return this.handlers.handler(event, { ...this.context, invokedFunctionArn: FUNCTION_ARN });
  }

  /** The message onEvent fails with (fails the test if it succeeds). */
  public async onEventError(event: unknown): Promise<Error> {
    return rejection(this.onEvent(event));
  }

  public async isCompleteError(event: unknown): Promise<Error> {
    return rejection(this.isComplete(event));
  }

  /** Names of the CodeStar commands sent, in order, e.g. ['DescribeProject', 'UpdateProject']. */
  public codestarCalls(): string[] {
    return this.codestar.calls().map(call => commandName(call.args[0]));
  }

  /** Commands that change something: everything but Describe*, List* and Get*. */
  public mutatingCalls(): string[] {
    const all = [...this.codestar.calls(), ...this.secrets.calls()].map(call => commandName(call.args[0]));
    return all.filter(name => !/^(Describe|List|Get)/.test(name));
  }

  public expectNoUnexpectedCalls(): void {
    expect(this.unexpected).toEqual([]);
  }
}

function commandName(command: unknown): string {
  return (command as object).constructor.name.replace(/Command$/, '');
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to fail, but it succeeded');
}
