import * as fs from 'fs';
import * as path from 'path';
import { CreateProjectCommand, DescribeProjectCommand, ListTagsForProjectCommand } from '@aws-sdk/client-codestar';
import { completionEvent, createEvent, deleteEvent, Harness, serviceError, STACK_ID, updateEvent, USER_ARN, WAITING } from './harness';
import { clientConfig, CONNECTION_TIMEOUT_MS, createClients, REQUEST_TIMEOUT_MS } from '../../lambda/clients';
import { MAX_REASON_LENGTH } from '../../lambda/errors';
import { MAX_DELAY_MS, MAX_RETRY_WINDOW_MS, SAFETY_MARGIN_MS } from '../../lambda/retry';
import { projectToken } from '../../lambda/tokens';
import { PROJECT_RESOURCE_TYPE, ProjectProperties, TEAM_MEMBER_RESOURCE_TYPE } from '../../src/private/contract';

const PROJECT: ProjectProperties = {
  id: 'my-proj',
  name: 'Project Nightingale',
  description: 'Confidential merger tooling',
  sourceCode: [{
    source: { s3: { bucketName: 'assets-bucket', bucketKey: 'source.zip' } },
    destination: {
      gitHub: {
        name: 'repo',
        type: 'User',
        owner: 'octocat',
        privateRepository: true,
        issuesEnabled: true,
        tokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gh-AbCdEf',
      },
    },
  }],
  toolchain: { source: { s3: { bucketName: 'assets-bucket', bucketKey: 'toolchain.yml' } } },
};

let harness: Harness;
beforeEach(() => {
  harness = new Harness();
});
afterEach(() => {
  harness.expectNoUnexpectedCalls();
});

/** After CreateProject, the handler describes the project and converges it: here it is ours, as declared. */
function givenCreatedProject(properties: { id: string; name: string; description?: string }, logicalResourceId = 'Resource') {
  harness.codestar
    .on(DescribeProjectCommand, { id: properties.id }).resolves({
      id: properties.id,
      name: properties.name,
      description: properties.description,
      clientRequestToken: projectToken({ stackId: STACK_ID, logicalResourceId }, properties.id),
    })
    .on(ListTagsForProjectCommand, { id: properties.id }).resolves({ tags: {} });
}

/** Every failure must be one clean line and must not have called anything that changes state. */
async function expectCleanFailure(event: unknown, expected: string | RegExp) {
  const error = await harness.onEventError(event);
  if (typeof expected === 'string') {
    expect(error.message).toBe(expected);
  } else {
    expect(error.message).toMatch(expected);
  }
  expect(error.message).not.toContain('\n');
  expect(harness.codestar.calls()).toHaveLength(0);
  expect(harness.secrets.calls()).toHaveLength(0);
  return error;
}

describe('routing and malformed events', () => {
  test('an unknown resource type fails cleanly without any call', async () => {
    await expectCleanFailure(createEvent('Custom::Unknown', PROJECT), 'Unsupported resource type Custom::Unknown');
  });

  test('a resource type named like an Object member is unknown too', async () => {
    await expectCleanFailure(createEvent('constructor', PROJECT), 'Unsupported resource type constructor');
  });

  test.each<[string, unknown, string]>([
    ['not an object', 'hello', 'Malformed event: not an object'],
    ['null', null, 'Malformed event: not an object'],
    ['no RequestType', { ...createEvent(PROJECT_RESOURCE_TYPE, PROJECT), RequestType: undefined }, 'Malformed event: RequestType is missing'],
    ['an unknown RequestType', { ...createEvent(PROJECT_RESOURCE_TYPE, PROJECT), RequestType: 'Replace' }, 'Malformed event: RequestType must be Create, Update or Delete'],
    ['no StackId', { ...createEvent(PROJECT_RESOURCE_TYPE, PROJECT), StackId: undefined }, 'Malformed event: StackId is missing'],
    ['no ResourceType', { ...createEvent(PROJECT_RESOURCE_TYPE, PROJECT), ResourceType: undefined }, 'Malformed event: ResourceType is missing'],
    ['properties that are not an object', { ...createEvent(PROJECT_RESOURCE_TYPE, PROJECT), ResourceProperties: ['x'] }, 'Malformed event: ResourceProperties is not an object'],
    ['an Update without a physical id', { ...updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT, PROJECT), PhysicalResourceId: undefined }, 'Malformed event: PhysicalResourceId is missing'],
    ['an Update without old properties', { ...updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT, PROJECT), OldResourceProperties: undefined }, 'Malformed event: OldResourceProperties is missing'],
    ['a Delete without a physical id', { ...deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT), PhysicalResourceId: '' }, 'Malformed event: PhysicalResourceId is missing'],
  ])('%s fails cleanly without any call', async (_case, event, expected) => {
    await expectCleanFailure(event, expected);
  });

  test('isComplete requires a physical id', async () => {
    const error = await harness.isCompleteError(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    expect(error.message).toBe('Malformed event: PhysicalResourceId is missing');
    expect(harness.codestar.calls()).toHaveLength(0);
  });
});

describe('malformed properties', () => {
  const gitHubOf = (properties: ProjectProperties) => properties.sourceCode![0].destination.gitHub!;
  const withGitHub = (change: object) => ({
    ...PROJECT,
    sourceCode: [{ ...PROJECT.sourceCode![0], destination: { gitHub: { ...gitHubOf(PROJECT), ...change } } }],
  });

  test.each<[string, object, string]>([
    ['a missing required member', { ...PROJECT, name: undefined }, 'name is required'],
    ['a wrong type', { ...PROJECT, sourceCode: 'source.zip' }, 'sourceCode must be a list'],
    ['a boolean that is not true/false', withGitHub({ privateRepository: 'yes' }), "sourceCode[0].destination.gitHub.privateRepository must be a boolean ('true' or 'false')"],
    ['an unknown member', { ...PROJECT, projectName: 'x' }, 'projectName is not a known property'],
    ['an unknown nested member', withGitHub({ token: 'ghp_inline' }), 'sourceCode[0].destination.gitHub.token is not a known property'],
    ['a tag value that is not a string', { ...PROJECT, tags: { team: ['a'] } }, 'tags.team must be a string'],
  ])('%s fails cleanly, names the property and not its value', async (_case, properties, problem) => {
    const error = await expectCleanFailure(createEvent(PROJECT_RESOURCE_TYPE, properties), `Invalid ${PROJECT_RESOURCE_TYPE} properties: ${problem}`);

    expect(error.message).not.toContain(PROJECT.name);
    expect(error.message).not.toContain('ghp_inline');
  });

  test('an update to malformed properties fails cleanly without any call', async () => {
    await expectCleanFailure(
      updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deleteStack: 'perhaps' }, PROJECT),
      `Invalid ${PROJECT_RESOURCE_TYPE} properties: deleteStack must be a boolean ('true' or 'false')`);
  });

  test('team member properties are checked too', async () => {
    await expectCleanFailure(
      createEvent(TEAM_MEMBER_RESOURCE_TYPE, { projectId: 'p1', userArn: USER_ARN, projectRole: 'Owner', remoteAccessAllowed: 'sometimes' }),
      `Invalid ${TEAM_MEMBER_RESOURCE_TYPE} properties: remoteAccessAllowed must be a boolean ('true' or 'false')`);
  });

  test('ServiceToken is ignored, and real booleans are accepted as well as strings', async () => {
    const event = createEvent(PROJECT_RESOURCE_TYPE, { id: 'p1', name: 'N' });
    harness.codestar.on(CreateProjectCommand).resolves({});
    givenCreatedProject({ id: 'p1', name: 'N' });

    await harness.onEvent({ ...event, ResourceProperties: { ...event.ResourceProperties, deleteStack: true } });

    expect(harness.codestar.commandCalls(CreateProjectCommand)).toHaveLength(1);
  });
});

describe('retries', () => {
  const simpleProject = { id: 'p1', name: 'N' };

  test.each<[string, Error]>([
    ['ThrottlingException', serviceError('ThrottlingException', 'Rate exceeded')],
    ['TooManyRequestsException', serviceError('TooManyRequestsException', 'slow down')],
    ['RequestLimitExceeded', serviceError('RequestLimitExceeded', 'slow down')],
    ['ConcurrentModificationException', serviceError('ConcurrentModificationException', 'busy', 500)],
    ['a 503', serviceError('ServiceUnavailable', 'unavailable', 503)],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timeout', Object.assign(new Error('Connection timed out after 10000 ms'), { name: 'TimeoutError' })],
  ])('%s is retried with backoff, then the call succeeds', async (_case, transient) => {
    // GIVEN
    harness.codestar.on(CreateProjectCommand).rejectsOnce(transient).rejectsOnce(transient).resolves({ id: 'p1' });
    givenCreatedProject(simpleProject);

    // WHEN
    const result = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, simpleProject));

    // THEN three attempts, with full-jitter exponential delays (random() = 0.5 in the fake clock)
    expect(result).toEqual({ PhysicalResourceId: 'p1', ...WAITING });
    expect(harness.codestar.commandCalls(CreateProjectCommand)).toHaveLength(3);
    expect(harness.clock.sleeps).toEqual([125, 250]);
    const tokens = harness.codestar.commandCalls(CreateProjectCommand).map(call => call.args[0].input.clientRequestToken);
    expect(new Set(tokens).size).toBe(1);
  });

  test.each(['ValidationException', 'LimitExceededException', 'InvalidServiceRoleException', 'AccessDeniedException'])(
    '%s is not retried and fails with the service message', async name => {
      harness.codestar.on(CreateProjectCommand).rejects(serviceError(name, `  ${name} says no  `));

      const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, simpleProject));

      expect(error.message).toBe(`CreateProject failed: ${name}: ${name} says no`);
      expect(harness.codestar.commandCalls(CreateProjectCommand)).toHaveLength(1);
      expect(harness.clock.sleeps).toEqual([]);
    });

  test('at the deadline it fails with a short reason naming the operation', async () => {
    // GIVEN a service that throttles forever and 45 s left in the Lambda
    harness.remainingMs = 45_000;
    harness.codestar.on(CreateProjectCommand).rejects(serviceError('ThrottlingException', 'Rate exceeded'));
    const started = harness.clock.now();

    // WHEN
    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, simpleProject));

    // THEN
    expect(error.message).toMatch(/^CreateProject did not succeed before the handler's deadline \(\d+ attempts, last error ThrottlingException\)$/);
    const waited = harness.clock.now() - started;
    expect(waited).toBeLessThanOrEqual(45_000 - SAFETY_MARGIN_MS);
    expect(waited).toBeGreaterThan(45_000 - SAFETY_MARGIN_MS - MAX_DELAY_MS);
    expect(harness.clock.sleeps.every(ms => ms <= MAX_DELAY_MS)).toBe(true);
  });

  test('with too little time left for a retry, one attempt and no retry', async () => {
    // 100 ms left: a fifth is kept as the margin, and the first backoff (125 ms) does not fit in the rest.
    harness.remainingMs = 100;
    harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ThrottlingException', 'Rate exceeded'));
    const event = completionEvent(createEvent(PROJECT_RESOURCE_TYPE, simpleProject), { PhysicalResourceId: 'p1' });

    const error = await harness.isCompleteError(event);

    expect(error.message).toBe("DescribeProject did not succeed before the handler's deadline (1 attempts, last error ThrottlingException)");
    expect(harness.codestar.calls()).toHaveLength(1);
  });
});

describe('failure reasons', () => {
  test('are capped, single-line, and carry no stack frames', async () => {
    harness.codestar.on(CreateProjectCommand).rejects(serviceError('ValidationException', `line one\nline two ${'x'.repeat(2000)}`));

    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, { id: 'p1', name: 'N' }));

    expect(error.message.length).toBe(MAX_REASON_LENGTH);
    expect(error.message).toMatch(/^CreateProject failed: ValidationException: line one line two x+\.\.\.$/);
    // The framework reports `stack` to CloudFormation: it must be the message and nothing else.
    expect(error.stack).toBe(`HandlerError: ${error.message}`);
  });
});

describe('logging', () => {
  test('logs the request, each operation and its outcome, and never the event or property values', async () => {
    // GIVEN
    harness.codestar.on(CreateProjectCommand).rejectsOnce(serviceError('ThrottlingException', 'Rate exceeded')).resolves({});
    const project = { ...PROJECT, sourceCode: undefined, toolchain: { ...PROJECT.toolchain!, stackParameters: { Key: 'parameter-value-secret' } } };
    givenCreatedProject(project, 'MyProject');

    // WHEN
    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, project, { logicalResourceId: 'MyProject' }));

    // THEN
    const lines = harness.logs.map(line => JSON.parse(line));
    const context = { stage: 'onEvent', requestType: 'Create', resourceType: PROJECT_RESOURCE_TYPE, logicalResourceId: 'MyProject' };
    expect(lines).toEqual([
      { level: 'info', event: 'request', ...context },
      { level: 'warn', event: 'retry', ...context, operation: 'CreateProject', error: 'ThrottlingException', attempt: 1, delayMs: 125 },
      { level: 'info', event: 'call', ...context, operation: 'CreateProject', outcome: 'ok' },
      { level: 'info', event: 'call', ...context, operation: 'DescribeProject', outcome: 'ok' },
      { level: 'info', event: 'call', ...context, operation: 'ListTagsForProject', outcome: 'ok' },
      { level: 'info', event: 'done', ...context },
    ]);
    const text = harness.logs.join('\n');
    for (const secret of ['X-Amz-Signature', 'ResponseURL', PROJECT.name, PROJECT.description!, 'parameter-value-secret']) {
      expect(text).not.toContain(secret);
    }
  });

  test('logs a failure with its redacted reason', async () => {
    harness.codestar.on(CreateProjectCommand).rejects(serviceError('ValidationException', `bad name ${PROJECT.name}`));

    await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, { id: 'p1', name: PROJECT.name }));

    const last = JSON.parse(harness.logs[harness.logs.length - 1]);
    expect(last).toMatchObject({ level: 'error', event: 'failed', reason: 'CreateProject failed: ValidationException: bad name ***' });
  });
});

describe('clients', () => {
  test('no SDK retries (ours are the only ones) and bounded connect/request times', () => {
    expect(clientConfig()).toEqual({
      maxAttempts: 1,
      requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    });
    // A slow attempt is retried after these; a hung one is cut at the handler's deadline whatever they
    // are (withRetries; test/security/bounded-failure.test.ts), so they need not fit in SAFETY_MARGIN_MS.
    expect(CONNECTION_TIMEOUT_MS + REQUEST_TIMEOUT_MS).toBeLessThan(MAX_RETRY_WINDOW_MS);
  });

  test('the real clients are built with that configuration', async () => {
    const { codestar, secretsManager } = createClients();

    expect(await codestar.config.maxAttempts()).toBe(1);
    expect(await secretsManager.config.maxAttempts()).toBe(1);
    expect(typeof codestar.config.requestHandler.handle).toBe('function');
  });
});

describe('the bundle', () => {
  const bundle = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.js');

  test('exports onEvent and isComplete, and fails an unknown type cleanly under this Node version', async () => {
    expect(fs.existsSync(bundle)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const handler = require(bundle) as Record<string, unknown>;

    expect(typeof handler.onEvent).toBe('function');
    expect(typeof handler.isComplete).toBe('function');
    const onEvent = handler.onEvent as (event: unknown) => Promise<unknown>;
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await expect(onEvent(createEvent('Custom::Unknown', {}))).rejects.toThrow('Unsupported resource type Custom::Unknown');
    } finally {
      log.mockRestore();
    }
  });
});
