import { createHash } from 'crypto';
import {
  CreateProjectCommand,
  DeleteProjectCommand,
  DescribeProjectCommand,
  DescribeProjectCommandOutput,
  ListTagsForProjectCommand,
  TagProjectCommand,
  UntagProjectCommand,
  UpdateProjectCommand,
} from '@aws-sdk/client-codestar';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  completionEvent,
  createEvent,
  deleteEvent,
  FRAMEWORK_CREATE_FAILED_MARKER,
  Harness,
  PROJECT_ARN,
  PROJECT_STACK_ID,
  serviceError,
  STACK_ID,
  TEMPLATE_ID,
  updateEvent,
  WAITING,
} from './harness';
import { WAIT_DEADLINE_KEY } from '../../lambda/event';
import { planProjectUpdate, ProjectState, projectProgress, waitDeadlineFrom } from '../../lambda/project';
import { creationFingerprint } from '../../lambda/tokens';
import { PROJECT_RESOURCE_TYPE, ProjectProperties } from '../../src/private/contract';

const S3_SOURCE = { s3: { bucketName: 'assets-bucket', bucketKey: 'source.zip' } };
const S3_TOOLCHAIN = { s3: { bucketName: 'assets-bucket', bucketKey: 'toolchain.yml' } };
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-token-AbCdEf';
const GITHUB_TOKEN = 'ghp_SuperSecretPersonalToken0123456789';

const PROJECT: ProjectProperties = {
  id: 'my-proj',
  name: 'Project Nightingale',
  description: 'Confidential merger tooling',
  sourceCode: [{ source: S3_SOURCE, destination: { codeCommit: { name: 'my-repo' } } }],
  toolchain: {
    source: S3_TOOLCHAIN,
    roleArn: 'arn:aws:iam::123456789012:role/CodeStarWorker',
    stackParameters: { ProjectId: 'my-proj', ApiKey: 'stack-parameter-secret' },
  },
  tags: { team: 'blue', env: 'dev' },
};

const GITHUB_PROJECT: ProjectProperties = {
  ...PROJECT,
  sourceCode: [{
    source: S3_SOURCE,
    destination: {
      gitHub: {
        name: 'my-repo',
        description: 'The repository',
        type: 'User',
        owner: 'octocat',
        privateRepository: true,
        issuesEnabled: false,
        tokenSecretArn: SECRET_ARN,
      },
    },
  }],
};

/** The token design, restated independently of the handler's helper. */
function expectedToken(properties: ProjectProperties, requestId = 'request-1', logicalResourceId = 'Resource'): string {
  const hash = createHash('sha256').update([STACK_ID, logicalResourceId, requestId].join('\n')).digest('hex');
  return `${creationFingerprint(properties)}-${hash}`;
}

function describedProject(state: string | undefined, overrides: Partial<DescribeProjectCommandOutput> = {}): DescribeProjectCommandOutput {
  return {
    $metadata: {},
    id: 'my-proj',
    arn: PROJECT_ARN,
    stackId: PROJECT_STACK_ID,
    projectTemplateId: TEMPLATE_ID,
    name: PROJECT.name,
    description: PROJECT.description,
    clientRequestToken: expectedToken(PROJECT),
    status: state === undefined ? undefined : { state },
    ...overrides,
  };
}

let harness: Harness;
beforeEach(() => {
  harness = new Harness();
});
afterEach(() => {
  harness.expectNoUnexpectedCalls();
});

describe('create', () => {
  test('creates the project with a token derived from the event and returns the project id', async () => {
    // GIVEN
    harness.codestar.on(CreateProjectCommand).resolves({ id: 'my-proj', arn: PROJECT_ARN });

    // WHEN
    const result = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestar.commandCalls(CreateProjectCommand)[0].args[0].input).toEqual({
      id: 'my-proj',
      name: PROJECT.name,
      description: PROJECT.description,
      clientRequestToken: expectedToken(PROJECT),
      sourceCode: [{ source: S3_SOURCE, destination: { codeCommit: { name: 'my-repo' } } }],
      toolchain: PROJECT.toolchain,
      tags: PROJECT.tags,
    });
    expect(harness.codestarCalls()).toEqual(['CreateProject']);
  });

  test('the token fits the API: ^[\\w:/-]+$ and at most 256 characters', async () => {
    harness.codestar.on(CreateProjectCommand).resolves({});

    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    const token = harness.codestar.commandCalls(CreateProjectCommand)[0].args[0].input.clientRequestToken ?? '';
    expect(token).toMatch(/^[0-9a-f]{16}-[0-9a-f]{64}$/);
    expect(token).toMatch(/^[\w:/-]{1,256}$/);
  });

  test('a redelivered create (same RequestId) sends the same token, so CodeStar creates nothing new', async () => {
    // GIVEN CodeStar answers the repeated token with the same project
    harness.codestar.on(CreateProjectCommand).resolves({ id: 'my-proj', arn: PROJECT_ARN });
    const event = createEvent(PROJECT_RESOURCE_TYPE, PROJECT);

    // WHEN the same event arrives twice
    const first = await harness.onEvent(event);
    const second = await harness.onEvent(structuredClone(event));

    // THEN
    const [a, b] = harness.codestar.commandCalls(CreateProjectCommand).map(call => call.args[0].input.clientRequestToken);
    expect(a).toBe(b);
    expect(second).toEqual(first);
  });

  test('another request for the same resource gets another token', async () => {
    harness.codestar.on(CreateProjectCommand).resolves({});

    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT, { requestId: 'request-1' }));
    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT, { requestId: 'request-2' }));

    const [a, b] = harness.codestar.commandCalls(CreateProjectCommand).map(call => call.args[0].input.clientRequestToken);
    expect(a).not.toBe(b);
    expect(a?.slice(0, 16)).toBe(b?.slice(0, 16));
  });

  test('a project that already exists fails the create with the service message', async () => {
    harness.codestar.on(CreateProjectCommand).rejects(serviceError('ProjectAlreadyExistsException', 'Project my-proj already exists'));

    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    expect(error.message).toBe('CreateProject failed: ProjectAlreadyExistsException: Project my-proj already exists');
    expect(harness.codestarCalls()).toEqual(['CreateProject']);
  });

  describe('isComplete', () => {
    const event = completionEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT), { PhysicalResourceId: 'my-proj' });

    test('is not complete while CodeStar creates the project, and returns no Data then', async () => {
      harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject('CreateInProgress'));

      expect(await harness.isComplete(event)).toStrictEqual({ IsComplete: false });
    });

    test('returns every attribute once the project is created', async () => {
      harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject('CreateComplete'));

      expect(await harness.isComplete(event)).toEqual({
        IsComplete: true,
        Data: { Id: 'my-proj', Arn: PROJECT_ARN, StackId: PROJECT_STACK_ID, ProjectTemplateId: TEMPLATE_ID },
      });
    });

    test('returns every Data key even when the service omits attributes', async () => {
      harness.codestar.on(DescribeProjectCommand).resolves({ id: 'my-proj', status: { state: 'CreateComplete' } });

      expect(await harness.isComplete(event)).toEqual({
        IsComplete: true,
        Data: { Id: 'my-proj', Arn: '', StackId: '', ProjectTemplateId: '' },
      });
    });

    test('fails with the status reason when the creation failed, without the project name', async () => {
      // GIVEN a reason that quotes the (sensitive) project name
      harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateFailed', {
        status: { state: 'CreateFailed', reason: `Stack for ${PROJECT.name} failed: role not assumable` },
      }));

      const error = await harness.isCompleteError(event);

      expect(error.message).toBe('Project my-proj CreateFailed: Stack for *** failed: role not assumable');
      expect(harness.mutatingCalls()).toEqual([]);
    });

    test('fails when the project disappeared during creation', async () => {
      harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ProjectNotFoundException', 'not found', 404));

      expect((await harness.isCompleteError(event)).message).toBe('Project my-proj no longer exists');
    });
  });
});

describe('GitHub token from Secrets Manager', () => {
  function captureConsole(): () => string {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map(level => jest.spyOn(console, level).mockImplementation(() => undefined));
    return () => spies.flatMap(spy => spy.mock.calls.map(args => args.map(String).join(' '))).join('\n');
  }

  afterEach(() => jest.restoreAllMocks());

  test('a plain secret is the token, passed to CreateProject only', async () => {
    // GIVEN
    harness.secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: GITHUB_TOKEN });
    harness.codestar.on(CreateProjectCommand).resolves({});

    // WHEN
    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, GITHUB_PROJECT));

    // THEN the GitHub destination carries the token, coerced booleans, and no secret reference
    const input = harness.codestar.commandCalls(CreateProjectCommand)[0].args[0].input;
    expect(input.sourceCode?.[0].destination?.gitHub).toEqual({
      name: 'my-repo',
      description: 'The repository',
      type: 'User',
      owner: 'octocat',
      privateRepository: true,
      issuesEnabled: false,
      token: GITHUB_TOKEN,
    });
    expect(harness.logs.join('\n')).not.toContain(GITHUB_TOKEN);
  });

  test('a JSON secret gives the named field', async () => {
    harness.secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ user: 'octocat', token: GITHUB_TOKEN }) });
    harness.codestar.on(CreateProjectCommand).resolves({});
    const project = withGitHub({ tokenSecretJsonField: 'token' });

    await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, project));

    expect(harness.codestar.commandCalls(CreateProjectCommand)[0].args[0].input.sourceCode?.[0].destination?.gitHub?.token).toBe(GITHUB_TOKEN);
  });

  test.each<[string, string, string | undefined]>([
    ['a plain secret', GITHUB_TOKEN, undefined],
    ['a JSON secret', JSON.stringify({ user: 'octocat', token: GITHUB_TOKEN }), 'token'],
  ])('the token from %s is in no log line and no reason, even when the service echoes it', async (_case, secretString, jsonField) => {
    // GIVEN everything the handler or anything else writes to the console is captured
    const consoleOutput = captureConsole();
    harness.secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });
    harness.codestar.on(CreateProjectCommand).rejects(serviceError('ValidationException', `GitHub rejected token ${GITHUB_TOKEN} for ${PROJECT.name}`));

    // WHEN
    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, withGitHub({ tokenSecretJsonField: jsonField })));

    // THEN
    expect(error.message).toBe('CreateProject failed: ValidationException: GitHub rejected token *** for ***');
    expect(error.stack).not.toContain(GITHUB_TOKEN);
    const everything = [harness.logs.join('\n'), consoleOutput()].join('\n');
    expect(everything).toContain('GetSecretValue');
    expect(everything).not.toContain(GITHUB_TOKEN);
    expect(everything).not.toContain(PROJECT.name);
  });

  test.each([
    ['a secret that is not JSON', 'not-json-' + GITHUB_TOKEN, /Secret .* is not JSON, so it has no field 'token'/],
    ['a JSON secret without the field', JSON.stringify({ other: GITHUB_TOKEN }), /Secret .* has no non-empty string field 'token'/],
    ['a JSON field that is not a string', JSON.stringify({ token: 42 }), /has no non-empty string field 'token'/],
  ])('%s fails clearly without quoting the secret', async (_case, secretString, expected) => {
    harness.secrets.on(GetSecretValueCommand).resolves({ SecretString: secretString });

    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, withGitHub({ tokenSecretJsonField: 'token' })));

    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain(GITHUB_TOKEN);
    expect(harness.logs.join('\n')).not.toContain(GITHUB_TOKEN);
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('a binary secret fails clearly', async () => {
    harness.secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2, 3]) });

    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, GITHUB_PROJECT));

    expect(error.message).toBe(`Secret ${SECRET_ARN} has no string value: store the token as a SecretString`);
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('a missing secret fails with the service message and creates nothing', async () => {
    harness.secrets.on(GetSecretValueCommand).rejects(serviceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."));

    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, GITHUB_PROJECT));

    expect(error.message).toBe("GetSecretValue failed: ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    expect(harness.mutatingCalls()).toEqual([]);
  });

  function withGitHub(overrides: { tokenSecretJsonField?: string }): ProjectProperties {
    const code = GITHUB_PROJECT.sourceCode![0];
    return { ...GITHUB_PROJECT, sourceCode: [{ ...code, destination: { gitHub: { ...code.destination.gitHub!, ...overrides } } }] };
  }
});

describe('update', () => {
  test('a no-op update makes no call at all', async () => {
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT, PROJECT));

    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestarCalls()).toEqual([]);
  });

  function withSecret(tokenSecretArn: string): ProjectProperties {
    const code = GITHUB_PROJECT.sourceCode![0];
    return { ...GITHUB_PROJECT, sourceCode: [{ ...code, destination: { gitHub: { ...code.destination.gitHub!, tokenSecretArn } } }] };
  }

  test.each<[string, ProjectProperties, ProjectProperties]>([
    ['deleteStack', PROJECT, { ...PROJECT, deleteStack: true }],
    ['the GitHub token secret', withSecret(SECRET_ARN), withSecret(`${SECRET_ARN}-moved`)],
  ])('a change of %s alone needs no call', async (_case, old, desired) => {
    await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', desired, old));

    expect(harness.codestarCalls()).toEqual([]);
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('a rename sends UpdateProject with the name only', async () => {
    harness.codestar.on(UpdateProjectCommand).resolves({});

    await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, name: 'Project Kingfisher' }, PROJECT));

    expect(harness.codestarCalls()).toEqual(['UpdateProject']);
    expect(harness.codestar.commandCalls(UpdateProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', name: 'Project Kingfisher' });
  });

  test('removing the description sets it to the empty string', async () => {
    harness.codestar.on(UpdateProjectCommand).resolves({});
    const { description: _removed, ...withoutDescription } = PROJECT;

    await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', withoutDescription, PROJECT));

    expect(harness.codestar.commandCalls(UpdateProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', description: '' });
  });

  test('tags: added and changed go to TagProject, removed keys to UntagProject', async () => {
    harness.codestar.on(TagProjectCommand).resolves({}).on(UntagProjectCommand).resolves({});

    await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, tags: { team: 'red', owner: 'ops' } }, PROJECT));

    expect(harness.codestarCalls()).toEqual(['TagProject', 'UntagProject']);
    expect(harness.codestar).toHaveReceivedCommandWith(TagProjectCommand, { id: 'my-proj', tags: { team: 'red', owner: 'ops' } });
    expect(harness.codestar).toHaveReceivedCommandWith(UntagProjectCommand, { id: 'my-proj', tags: ['env'] });
  });

  test('a new project id replaces: the new project is created, the old one is left for CloudFormation to delete', async () => {
    // GIVEN
    harness.codestar.on(CreateProjectCommand, { id: 'new-proj' }).resolves({ id: 'new-proj' });
    const replacement = { ...PROJECT, id: 'new-proj' };

    // WHEN
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', replacement, PROJECT, { requestId: 'request-2' }));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: 'new-proj', ...WAITING });
    expect(harness.codestarCalls()).toEqual(['CreateProject']);
    expect(harness.codestar.commandCalls(CreateProjectCommand)[0].args[0].input.clientRequestToken).toBe(expectedToken(replacement, 'request-2'));
  });

  test('the rollback of a replacement keeps the original project (recognised by its fingerprint)', async () => {
    // GIVEN CloudFormation sends the original properties to the new project, and the original still exists
    harness.codestar
      .on(CreateProjectCommand).rejects(serviceError('ProjectAlreadyExistsException', 'exists'))
      .on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject('UpdateComplete'))
      .on(ListTagsForProjectCommand, { id: 'my-proj' }).resolves({ tags: PROJECT.tags });

    // WHEN
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'new-proj', PROJECT, { ...PROJECT, id: 'new-proj' }, { requestId: 'rollback' }));

    // THEN it is kept as it is, and nothing else changes
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.mutatingCalls()).toEqual(['CreateProject']);
  });

  test('a replacement onto an existing project created from other sources fails and changes nothing', async () => {
    harness.codestar
      .on(CreateProjectCommand).rejects(serviceError('ProjectAlreadyExistsException', 'Project other-proj already exists'))
      .on(DescribeProjectCommand).resolves(describedProject('CreateComplete', { id: 'other-proj', clientRequestToken: 'someone-elses-token' }));

    const error = await harness.onEventError(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, id: 'other-proj' }, PROJECT));

    expect(error.message).toBe('CreateProject failed: ProjectAlreadyExistsException: Project other-proj already exists');
    expect(harness.mutatingCalls()).toEqual(['CreateProject']);
  });

  const NEW_SOURCE: ProjectProperties = {
    ...PROJECT,
    sourceCode: [{ source: { s3: { bucketName: 'assets-bucket', bucketKey: 'source-v2.zip' } }, destination: { codeCommit: { name: 'my-repo' } } }],
  };
  const NEW_TOOLCHAIN: ProjectProperties = { ...PROJECT, toolchain: { ...PROJECT.toolchain!, roleArn: 'arn:aws:iam::123456789012:role/Other' } };

  test.each([
    ['sourceCode', NEW_SOURCE],
    ['toolchain', NEW_TOOLCHAIN],
  ])('a change of %s for the same id is rejected before any change', async (_member, changed) => {
    // GIVEN the project was created from PROJECT's sources
    harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject('CreateComplete'));

    // WHEN the update also renames it
    const error = await harness.onEventError(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...changed, name: 'Renamed' }, PROJECT));

    // THEN
    expect(error.message).toBe('sourceCode and toolchain of project my-proj only apply when it is created and cannot be changed in place; '
      + 'to change them, give the project a new projectId (this replaces the project)');
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('the rollback of a rejected sourceCode change (old and new swapped) succeeds', async () => {
    // GIVEN the forward update (PROJECT -> NEW_SOURCE + rename) was rejected; CloudFormation swaps them
    harness.codestar
      .on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject('CreateComplete'))
      .on(UpdateProjectCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT, { ...NEW_SOURCE, name: 'Renamed' }));

    // THEN the fingerprint matches the project's, so the rest of the plan runs
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestarCalls()).toEqual(['DescribeProject', 'UpdateProject']);
    expect(harness.codestar.commandCalls(UpdateProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', name: PROJECT.name });
  });

  test('old properties that no longer parse: the update is planned against the live project (all tag pages)', async () => {
    // GIVEN the rollback of an update we rejected as malformed
    harness.codestar
      .on(DescribeProjectCommand).resolves(describedProject('UpdateComplete', { name: 'Live name' }))
      .on(ListTagsForProjectCommand, { id: 'my-proj', nextToken: undefined }).resolves({ tags: { team: 'blue' }, nextToken: 'page2' })
      .on(ListTagsForProjectCommand, { id: 'my-proj', nextToken: 'page2' }).resolves({ tags: { stale: 'x' } })
      .on(UpdateProjectCommand).resolves({})
      .on(TagProjectCommand).resolves({})
      .on(UntagProjectCommand).resolves({});

    // WHEN
    await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT, { ...PROJECT, deleteStack: 'maybe' }));

    // THEN
    expect(harness.mutatingCalls()).toEqual(['UpdateProject', 'TagProject', 'UntagProject']);
    expect(harness.codestar.commandCalls(UpdateProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', name: PROJECT.name });
    expect(harness.codestar).toHaveReceivedCommandWith(TagProjectCommand, { id: 'my-proj', tags: { env: 'dev' } });
    expect(harness.codestar).toHaveReceivedCommandWith(UntagProjectCommand, { id: 'my-proj', tags: ['stale'] });
  });

  describe('isComplete', () => {
    const event = completionEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT, PROJECT), { PhysicalResourceId: 'my-proj' });

    test('waits while the update is in progress', async () => {
      harness.codestar.on(DescribeProjectCommand).resolves(describedProject('UpdateInProgress'));

      expect(await harness.isComplete(event)).toStrictEqual({ IsComplete: false });
    });

    test('returns the same Data keys when done', async () => {
      harness.codestar.on(DescribeProjectCommand).resolves(describedProject('UpdateComplete'));

      const result = await harness.isComplete(event);

      expect(result).toEqual({ IsComplete: true, Data: { Id: 'my-proj', Arn: PROJECT_ARN, StackId: PROJECT_STACK_ID, ProjectTemplateId: TEMPLATE_ID } });
    });

    test('fails with the reason when the update failed', async () => {
      harness.codestar.on(DescribeProjectCommand).resolves(describedProject('UpdateFailed', { status: { state: 'UpdateFailed', reason: 'Toolchain stack rolled back' } }));

      expect((await harness.isCompleteError(event)).message).toBe('Project my-proj UpdateFailed: Toolchain stack rolled back');
    });
  });
});

describe('delete', () => {
  test('deletes with deleteStack from the properties and a token derived from the event', async () => {
    // GIVEN
    harness.codestar
      .on(DescribeProjectCommand).resolves(describedProject('UpdateComplete'))
      .on(DeleteProjectCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deleteStack: true }));

    // THEN
    expect(result).toEqual(WAITING);
    const hash = createHash('sha256').update([STACK_ID, 'Resource', 'request-1'].join('\n')).digest('hex');
    expect(harness.codestar.commandCalls(DeleteProjectCommand)[0].args[0].input).toEqual({ id: 'my-proj', deleteStack: true, clientRequestToken: hash });
  });

  test('deleteStack defaults to false', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete')).on(DeleteProjectCommand).resolves({});

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT));

    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, { id: 'my-proj', deleteStack: false });
  });

  test('a project that no longer exists is success, with no DeleteProject call', async () => {
    harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ProjectNotFoundException', 'not found', 404));

    expect(await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT))).toEqual(WAITING);
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('DeleteProject answering not found is success', async () => {
    harness.codestar
      .on(DescribeProjectCommand).resolves(describedProject('CreateComplete'))
      .on(DeleteProjectCommand).rejects(serviceError('ProjectNotFoundException', 'not found', 404));

    expect(await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT))).toEqual(WAITING);
  });

  test.each([
    ['the provider framework\'s create-failed marker', FRAMEWORK_CREATE_FAILED_MARKER],
    ['a request id (the framework default)', '5b1b07a4-1f0e-4f3c-9d4c-6f1f4e4f0a11'],
  ])('%s as physical id: no call, success, and isComplete is done at once', async (_case, physicalId) => {
    const event = deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, PROJECT);

    expect(await harness.onEvent(event)).toEqual(WAITING);
    expect(await harness.isComplete(completionEvent(event, {}))).toEqual({ IsComplete: true });
    expect(harness.codestarCalls()).toEqual([]);
  });

  test('a project whose creation failed is deleted with its stack, whatever deleteStack says', async () => {
    harness.codestar
      .on(DescribeProjectCommand).resolves(describedProject('CreateFailed'))
      .on(DeleteProjectCommand).resolves({});

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deleteStack: false }));

    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, { id: 'my-proj', deleteStack: true });
  });

  test('a project too broken to describe is still deleted', async () => {
    harness.codestar
      .on(DescribeProjectCommand).rejects(serviceError('ProjectConfigurationException', 'configuration missing'))
      .on(DeleteProjectCommand).resolves({});

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT));

    expect(harness.mutatingCalls()).toEqual(['DeleteProject']);
  });

  test('a deletion already under way is not started again', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('DeleteInProgress'));

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT));

    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('properties that do not parse do not block the delete', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete')).on(DeleteProjectCommand).resolves({});

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { id: 'my-proj', unexpected: 'x' }));

    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, { id: 'my-proj', deleteStack: false });
  });

  describe('isComplete', () => {
    const event = completionEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT), {});

    test.each([
      ['DeleteInProgress', { IsComplete: false }],
      ['CreateComplete', { IsComplete: false }],
      ['DeleteComplete', { IsComplete: true }],
    ])('state %s -> %j', async (state, expected) => {
      harness.codestar.on(DescribeProjectCommand).resolves(describedProject(state));

      expect(await harness.isComplete(event)).toStrictEqual(expected);
    });

    test('not found means deleted', async () => {
      harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ProjectNotFoundException', 'gone', 404));

      expect(await harness.isComplete(event)).toStrictEqual({ IsComplete: true });
    });

    test('fails with the reason when the deletion failed', async () => {
      harness.codestar.on(DescribeProjectCommand).resolves(describedProject('DeleteFailed', { status: { state: 'DeleteFailed', reason: 'Bucket not empty' } }));

      expect((await harness.isCompleteError(event)).message).toBe('Project my-proj DeleteFailed: Bucket not empty');
    });
  });
});

describe('planProjectUpdate', () => {
  const current: ProjectState = { id: 'p1', name: 'Name', description: 'Desc', tags: { a: '1', b: '2' } };

  test.each<[string, Partial<ProjectState>, unknown[]]>([
    ['nothing changed', {}, []],
    ['name', { name: 'New' }, [{ operation: 'UpdateProject', input: { id: 'p1', name: 'New' } }]],
    ['description', { description: 'Other' }, [{ operation: 'UpdateProject', input: { id: 'p1', description: 'Other' } }]],
    ['description removed', { description: undefined }, [{ operation: 'UpdateProject', input: { id: 'p1', description: '' } }]],
    ['name and description', { name: 'N', description: 'D' }, [{ operation: 'UpdateProject', input: { id: 'p1', name: 'N', description: 'D' } }]],
    ['tag added', { tags: { a: '1', b: '2', c: '3' } }, [{ operation: 'TagProject', input: { id: 'p1', tags: { c: '3' } } }]],
    ['tag changed', { tags: { a: '1', b: 'two' } }, [{ operation: 'TagProject', input: { id: 'p1', tags: { b: 'two' } } }]],
    ['tag removed', { tags: { a: '1' } }, [{ operation: 'UntagProject', input: { id: 'p1', tags: ['b'] } }]],
    ['all tags removed', { tags: undefined }, [{ operation: 'UntagProject', input: { id: 'p1', tags: ['a', 'b'] } }]],
    ['tag value emptied', { tags: { a: '', b: '2' } }, [{ operation: 'TagProject', input: { id: 'p1', tags: { a: '' } } }]],
    ['a tag key named like an Object member', { tags: { a: '1', b: '2', constructor: 'x' } }, [{ operation: 'TagProject', input: { id: 'p1', tags: { constructor: 'x' } } }]],
  ])('%s', (_case, change, expected) => {
    expect(planProjectUpdate(current, { ...current, ...change })).toStrictEqual(expected);
  });

  test('an absent description equals an empty one', () => {
    expect(planProjectUpdate({ id: 'p1', name: 'N', description: '' }, { id: 'p1', name: 'N' })).toEqual([]);
  });
});

describe('projectProgress', () => {
  test.each([
    ['Create', 'CreateInProgress', 'InProgress'],
    ['Create', 'CreateComplete', 'Complete'],
    ['Create', 'CreateFailed', 'Failed'],
    ['Create', 'Unknown', 'InProgress'],
    ['Create', undefined, 'Complete'],
    ['Create', 'DeleteInProgress', 'Deleted'],
    ['Update', 'UpdateInProgress', 'InProgress'],
    ['Update', 'UpdateComplete', 'Complete'],
    ['Update', 'CreateComplete', 'Complete'],
    ['Update', 'UpdateFailed', 'Failed'],
    ['Update', 'DeleteComplete', 'Deleted'],
    ['Delete', 'DeleteInProgress', 'InProgress'],
    ['Delete', 'DeleteComplete', 'Complete'],
    ['Delete', 'DeleteFailed', 'Failed'],
    ['Delete', 'CreateFailed', 'InProgress'],
  ] as const)('%s with %s -> %s', (requestType, state, expected) => {
    expect(projectProgress(requestType, state)).toBe(expected);
  });
});

describe('wait timeout', () => {
  const properties = { ...PROJECT, timeoutSeconds: 60 };

  test('onEvent starts the wait: the deadline is the timeout from now (30 minutes by default), rounded up to a minute', async () => {
    harness.codestar.on(CreateProjectCommand).resolves({});
    const now = harness.clock.now();
    const upToMinute = (t: number) => Math.ceil(t / 60_000) * 60_000;

    const withTimeout = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, properties));
    const withDefault = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT, { requestId: 'request-2' }));

    expect(withTimeout[WAIT_DEADLINE_KEY]).toBe(upToMinute(now + 60_000));
    expect(withDefault[WAIT_DEADLINE_KEY]).toBe(upToMinute(now + 1_800_000));
    expect(upToMinute(now + 60_000) - (now + 60_000)).toBeLessThan(60_000);
  });

  test('onEvent delivered twice within a minute returns the same response: the waiter\'s input must not change', async () => {
    harness.codestar.on(CreateProjectCommand).resolves({});
    const event = createEvent(PROJECT_RESOURCE_TYPE, properties);
    // One second past a whole minute, then 45 s later: the same minute.
    harness.clock.time = Math.floor(harness.clock.time / 60_000) * 60_000 + 1_000;

    const first = await harness.onEvent(event);
    harness.clock.time += 45_000;
    const second = await harness.onEvent(event);

    expect(second).toEqual(first);
  });

  test.each([[1, 1_000], [30, 30_000], [3_300, 60_000]])('a timeout of %i s is rounded to %i ms at most', (timeoutSeconds, step) => {
    expect(waitDeadlineFrom(1_000_001, timeoutSeconds) % step).toBe(0);
    expect(waitDeadlineFrom(1_000_001, timeoutSeconds) - (1_000_001 + timeoutSeconds * 1000)).toBeLessThan(step);
    expect(waitDeadlineFrom(1_000_001, timeoutSeconds)).toBeGreaterThanOrEqual(1_000_001 + timeoutSeconds * 1000);
  });

  test.each(['Create', 'Delete'] as const)('a %s still in progress before the deadline keeps waiting', async (requestType) => {
    const state = requestType === 'Create' ? 'CreateInProgress' : 'DeleteInProgress';
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject(state));
    const request = requestType === 'Create' ? createEvent(PROJECT_RESOURCE_TYPE, properties) : deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', properties);

    const result = await harness.isComplete(completionEvent(request, { PhysicalResourceId: 'my-proj', [WAIT_DEADLINE_KEY]: harness.clock.now() + 1 }));

    expect(result).toStrictEqual({ IsComplete: false });
  });

  test.each(['Create', 'Delete'] as const)('a %s still in progress at the deadline fails with a reason that says so', async (requestType) => {
    const state = requestType === 'Create' ? 'CreateInProgress' : 'DeleteInProgress';
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject(state));
    const request = requestType === 'Create' ? createEvent(PROJECT_RESOURCE_TYPE, properties) : deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', properties);

    const error = await harness.isCompleteError(completionEvent(request, { PhysicalResourceId: 'my-proj', [WAIT_DEADLINE_KEY]: harness.clock.now() }));

    expect(error.message).toBe(`Project my-proj is still ${state} after its timeout of 60 seconds; `
      + 'CodeStar may still finish in the background: check the project, or give it a longer timeout');
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('a project that completed is complete, however late', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete'));
    const event = completionEvent(createEvent(PROJECT_RESOURCE_TYPE, properties), { PhysicalResourceId: 'my-proj', [WAIT_DEADLINE_KEY]: 1 });

    expect(await harness.isComplete(event)).toMatchObject({ IsComplete: true });
  });

  test.each([['absent', undefined], ['not a number', 'soon'], ['negative', -5]])('a deadline that is %s means no bound of our own', async (_case, deadline) => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateInProgress'));
    const event = { ...completionEvent(createEvent(PROJECT_RESOURCE_TYPE, properties), { PhysicalResourceId: 'my-proj' }), [WAIT_DEADLINE_KEY]: deadline };

    expect(await harness.isComplete(event)).toStrictEqual({ IsComplete: false });
  });

  test('ServiceTimeout, which CloudFormation sends along with the properties, is not a property of the project', async () => {
    harness.codestar.on(CreateProjectCommand).resolves({});
    const event = createEvent(PROJECT_RESOURCE_TYPE, PROJECT);

    await harness.onEvent({ ...event, ResourceProperties: { ...event.ResourceProperties, ServiceTimeout: '2100' } });

    expect(harness.codestarCalls()).toEqual(['CreateProject']);
  });
});
