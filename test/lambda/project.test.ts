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
import { DELETING_PROJECT_KEY, WAIT_DEADLINE_KEY } from '../../lambda/event';
import { planProjectUpdate, ProjectState, projectProgress, waitDeadlineFrom } from '../../lambda/project';
import { deleteProjectToken, projectToken } from '../../lambda/tokens';
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

/** The resource every event of these tests is for (the harness's stack, logical id 'Resource'). */
const RESOURCE = { stackId: STACK_ID, logicalResourceId: 'Resource' };
/** This resource's own CreateProject token for a project id (tokens.test.ts pins the derivation). */
const ownToken = (projectId = 'my-proj') => projectToken(RESOURCE, projectId);
const FOREIGN_TOKEN = 'someone-elses-token';
const CREATED = new Date('2026-01-02T03:04:05.000Z');

/** A project as DescribeProject shows it: by default this resource's own creation, with the declared name and description. */
function describedProject(state: string | undefined, overrides: Partial<DescribeProjectCommandOutput> = {}): DescribeProjectCommandOutput {
  const id = overrides.id ?? 'my-proj';
  return {
    $metadata: {},
    id,
    arn: PROJECT_ARN,
    stackId: PROJECT_STACK_ID,
    projectTemplateId: TEMPLATE_ID,
    name: PROJECT.name,
    description: PROJECT.description,
    clientRequestToken: ownToken(id),
    createdTimeStamp: CREATED,
    status: state === undefined ? undefined : { state },
    ...overrides,
  };
}

/** What the live project looks like, for the handler's convergence after CreateProject: DescribeProject and its tags. */
function givenProject(described: DescribeProjectCommandOutput, tags: Record<string, string> | undefined = PROJECT.tags) {
  harness.codestar
    .on(DescribeProjectCommand, { id: described.id }).resolves(described)
    .on(ListTagsForProjectCommand, { id: described.id }).resolves({ tags });
}

/** CreateProject creates the project: it is then described with our token and the declared settings. */
function givenCreated(id = 'my-proj', properties: Pick<ProjectProperties, 'tags'> = PROJECT) {
  harness.codestar.on(CreateProjectCommand, { id }).resolves({ id, arn: PROJECT_ARN });
  givenProject(describedProject('CreateInProgress', { id }), properties.tags);
}

function givenAlreadyExists(described: DescribeProjectCommandOutput, tags?: Record<string, string>) {
  harness.codestar.on(CreateProjectCommand, { id: described.id })
    .rejects(serviceError('ProjectAlreadyExistsException', `Project ${described.id} already exists`));
  givenProject(described, tags);
}

/** The events the handler logged, by name. */
function loggedEvents(): string[] {
  return harness.logs.map(line => JSON.parse(line).event as string);
}

const FOREIGN_REASON = 'Project my-proj already exists and is not this resource\'s own creation, so it was left unchanged; '
  + 'to manage it from this stack, set adopt: true on the CodeStarProject; to only refer to it, use CodeStarProject.fromProjectId';

let harness: Harness;
beforeEach(() => {
  harness = new Harness();
});
afterEach(() => {
  harness.expectNoUnexpectedCalls();
});

describe('create', () => {
  test('creates an absent project with this resource\'s own token and returns the project id', async () => {
    // GIVEN
    givenCreated();

    // WHEN
    const result = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestar.commandCalls(CreateProjectCommand)[0].args[0].input).toEqual({
      id: 'my-proj',
      name: PROJECT.name,
      description: PROJECT.description,
      clientRequestToken: ownToken(),
      sourceCode: [{ source: S3_SOURCE, destination: { codeCommit: { name: 'my-repo' } } }],
      toolchain: PROJECT.toolchain,
      tags: PROJECT.tags,
    });
    // The new project already has the declared settings: nothing to converge.
    expect(harness.codestarCalls()).toEqual(['CreateProject', 'DescribeProject', 'ListTagsForProject']);
    expect(loggedEvents()).not.toContain('creation-only-inputs-not-applied');
    expect(loggedEvents()).not.toContain('project-adopted');
  });

  test('CreateProject answering a repeat of our token with success converges the project it finds', async () => {
    // GIVEN an earlier attempt created the project, and it was changed since (renamed, a tag added)
    harness.codestar.on(CreateProjectCommand).resolves({ id: 'my-proj' });
    givenProject(describedProject('CreateComplete', { name: 'Renamed meanwhile' }), { ...PROJECT.tags, extra: 'x' });
    harness.codestar.on(UpdateProjectCommand).resolves({}).on(UntagProjectCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.mutatingCalls()).toEqual(['CreateProject', 'UpdateProject', 'UntagProject']);
    expect(harness.codestar).toHaveReceivedCommandWith(UpdateProjectCommand, { id: 'my-proj', name: PROJECT.name });
    expect(harness.codestar).toHaveReceivedCommandWith(UntagProjectCommand, { id: 'my-proj', tags: ['extra'] });
    expect(harness.codestar).not.toHaveReceivedCommand(TagProjectCommand);
  });

  test('a redelivered create (same RequestId) sends the same token and answers the same', async () => {
    givenCreated();
    const event = createEvent(PROJECT_RESOURCE_TYPE, PROJECT);

    const first = await harness.onEvent(event);
    const second = await harness.onEvent(structuredClone(event));

    const tokens = harness.codestar.commandCalls(CreateProjectCommand).map(call => call.args[0].input.clientRequestToken);
    expect(tokens).toEqual([ownToken(), ownToken()]);
    expect(second).toEqual(first);
    expect(harness.mutatingCalls()).toEqual(['CreateProject', 'CreateProject']);
  });

  test.each([
    ['a lost response, retried with a new RequestId', { requestId: 'request-2' }],
    ['a redelivery', { requestId: 'request-1' }],
  ])('ProjectAlreadyExists with our token (%s) is recognised as our own, and converged', async (_case, options) => {
    // GIVEN the first attempt created the project; its tags have drifted since
    givenAlreadyExists(describedProject('CreateComplete'), { team: 'red' });
    harness.codestar.on(TagProjectCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT, options));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.mutatingCalls()).toEqual(['CreateProject', 'TagProject']);
    expect(harness.codestar).toHaveReceivedCommandWith(TagProjectCommand, { id: 'my-proj', tags: { team: 'blue', env: 'dev' } });
    expect(loggedEvents()).not.toContain('project-adopted');
    // Our own project was created from these sources: nothing to report as not applied.
    expect(loggedEvents()).not.toContain('creation-only-inputs-not-applied');
  });

  test.each([
    ['another token', FOREIGN_TOKEN],
    ['no token (created in the console)', undefined],
    ['the token of another logical resource', projectToken({ ...RESOURCE, logicalResourceId: 'Other' }, 'my-proj')],
  ])('ProjectAlreadyExists with %s and no adopt fails, names the project and adopt, and changes nothing', async (_case, token) => {
    // GIVEN a foreign project whose name and tags differ from the declared ones
    givenAlreadyExists(describedProject('CreateComplete', { clientRequestToken: token, name: 'Theirs' }), { owner: 'them' });

    // WHEN
    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    // THEN
    expect(error.message).toBe(FOREIGN_REASON);
    expect(harness.mutatingCalls()).toEqual(['CreateProject']);
    expect(harness.codestar).toHaveReceivedCommandTimes(UpdateProjectCommand, 0);
    expect(harness.codestar).toHaveReceivedCommandTimes(TagProjectCommand, 0);
    expect(harness.codestar).toHaveReceivedCommandTimes(UntagProjectCommand, 0);
  });

  test('ProjectAlreadyExists with a foreign token and adopt: converged, with a call only for each difference', async () => {
    // GIVEN a foreign project with another name, the declared description, one declared tag changed and one extra tag
    givenAlreadyExists(describedProject('CreateComplete', { clientRequestToken: FOREIGN_TOKEN, name: 'Theirs' }), { team: 'red', env: 'dev', owner: 'them' });
    harness.codestar.on(UpdateProjectCommand).resolves({}).on(TagProjectCommand).resolves({}).on(UntagProjectCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, { ...PROJECT, adopt: true }));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.mutatingCalls()).toEqual(['CreateProject', 'UpdateProject', 'TagProject', 'UntagProject']);
    expect(harness.codestar.commandCalls(UpdateProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', name: PROJECT.name });
    expect(harness.codestar.commandCalls(TagProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', tags: { team: 'blue' } });
    expect(harness.codestar.commandCalls(UntagProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', tags: ['owner'] });
    // The adopted project was not made from the declared sources, and the log says so.
    expect(loggedEvents()).toEqual(expect.arrayContaining(['project-adopted', 'creation-only-inputs-not-applied']));
  });

  test('an adopted project that already has the declared settings gets no call but CreateProject', async () => {
    const { sourceCode: _s, toolchain: _t, ...plain } = PROJECT;
    givenAlreadyExists(describedProject('CreateComplete', { clientRequestToken: FOREIGN_TOKEN }), PROJECT.tags);

    const result = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, { ...plain, adopt: true }));

    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.mutatingCalls()).toEqual(['CreateProject']);
    expect(loggedEvents()).toContain('project-adopted');
    // Nothing declared that only applies at creation.
    expect(loggedEvents()).not.toContain('creation-only-inputs-not-applied');
  });

  test('any other CreateProject error fails the create with the service message, and nothing is described', async () => {
    harness.codestar.on(CreateProjectCommand).rejects(serviceError('LimitExceededException', 'Too many projects'));

    const error = await harness.onEventError(createEvent(PROJECT_RESOURCE_TYPE, PROJECT));

    expect(error.message).toBe('CreateProject failed: LimitExceededException: Too many projects');
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
    givenCreated();

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
    const otherCalls = harness.codestar.calls().filter(call => !(call.args[0] instanceof CreateProjectCommand));
    expect(otherCalls.length).toBeGreaterThan(0);
    expect(JSON.stringify(otherCalls.map(call => call.args[0].input))).not.toContain(GITHUB_TOKEN);
    expect(harness.logs.join('\n')).not.toContain(GITHUB_TOKEN);
  });

  test('a JSON secret gives the named field', async () => {
    harness.secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ user: 'octocat', token: GITHUB_TOKEN }) });
    givenCreated();
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
    expect(loggedEvents()).not.toContain('creation-only-inputs-not-applied');
  });

  function withSecret(tokenSecretArn: string): ProjectProperties {
    const code = GITHUB_PROJECT.sourceCode![0];
    return { ...GITHUB_PROJECT, sourceCode: [{ ...code, destination: { gitHub: { ...code.destination.gitHub!, tokenSecretArn } } }] };
  }

  test.each<[string, ProjectProperties, ProjectProperties]>([
    ['deleteStack', PROJECT, { ...PROJECT, deleteStack: true }],
    ['deletionProtection', PROJECT, { ...PROJECT, deletionProtection: true }],
    ['adopt', PROJECT, { ...PROJECT, adopt: true }],
    ['the GitHub token secret', withSecret(SECRET_ARN), withSecret(`${SECRET_ARN}-moved`)],
  ])('a change of %s alone needs no call, and is no creation-only change', async (_case, old, desired) => {
    await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', desired, old));

    expect(harness.codestarCalls()).toEqual([]);
    expect(harness.mutatingCalls()).toEqual([]);
    expect(loggedEvents()).not.toContain('creation-only-inputs-not-applied');
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

  test('a new project id replaces: the new project is created as on a create, the old one is left for CloudFormation to delete', async () => {
    // GIVEN
    const replacement = { ...PROJECT, id: 'new-proj' };
    givenCreated('new-proj');

    // WHEN
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', replacement, PROJECT, { requestId: 'request-2' }));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: 'new-proj', ...WAITING });
    expect(harness.codestarCalls()).toEqual(['CreateProject', 'DescribeProject', 'ListTagsForProject']);
    expect(harness.codestar).toHaveReceivedCommandWith(CreateProjectCommand, { id: 'new-proj', clientRequestToken: ownToken('new-proj') });
    expect(harness.codestar).not.toHaveReceivedCommandWith(DescribeProjectCommand, { id: 'my-proj' });
    expect(ownToken('new-proj')).not.toBe(ownToken());
  });

  test('a replacement onto a foreign project fails as a create does, and changes nothing', async () => {
    givenAlreadyExists(describedProject('CreateComplete', { id: 'other-proj', clientRequestToken: FOREIGN_TOKEN, name: 'Theirs' }), { owner: 'them' });

    const error = await harness.onEventError(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, id: 'other-proj' }, PROJECT));

    expect(error.message).toBe(FOREIGN_REASON.replace('Project my-proj', 'Project other-proj'));
    expect(harness.mutatingCalls()).toEqual(['CreateProject']);
  });

  test.each([
    ['ProjectAlreadyExists', false],
    ['success for the repeat of our token', true],
  ])('the rollback of a replacement recognises the original by its token (CreateProject answers %s) and returns the original id', async (_case, repeatSucceeds) => {
    // GIVEN the forward update replaced my-proj by new-proj; CloudFormation sends the original properties to new-proj's physical id
    if (repeatSucceeds) {
      harness.codestar.on(CreateProjectCommand, { id: 'my-proj' }).resolves({ id: 'my-proj' });
      givenProject(describedProject('UpdateComplete'));
    } else {
      givenAlreadyExists(describedProject('UpdateComplete'), PROJECT.tags);
    }

    // WHEN
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'new-proj', PROJECT, { ...PROJECT, id: 'new-proj' }, { requestId: 'rollback' }));

    // THEN the original is kept as it is: its physical id comes back, nothing else changes
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestar).toHaveReceivedCommandWith(CreateProjectCommand, { id: 'my-proj', clientRequestToken: ownToken() });
    expect(harness.mutatingCalls()).toEqual(['CreateProject']);
    expect(harness.codestar).not.toHaveReceivedCommandWith(DescribeProjectCommand, { id: 'new-proj' });
    expect(loggedEvents()).not.toContain('project-adopted');
  });

  const NEW_SOURCE: ProjectProperties = {
    ...PROJECT,
    sourceCode: [{ source: { s3: { bucketName: 'assets-bucket', bucketKey: 'source-v2.zip' } }, destination: { codeCommit: { name: 'my-repo' } } }],
  };
  const NEW_TOOLCHAIN: ProjectProperties = { ...PROJECT, toolchain: { ...PROJECT.toolchain!, roleArn: 'arn:aws:iam::123456789012:role/Other' } };
  const NO_TOOLCHAIN: ProjectProperties = { ...PROJECT, toolchain: undefined };

  test.each([
    ['sourceCode (a new asset key)', NEW_SOURCE],
    ['toolchain', NEW_TOOLCHAIN],
    ['toolchain (removed)', NO_TOOLCHAIN],
  ])('a change of %s in place applies name, description and tags, and logs the rest as not applied', async (_member, changed) => {
    // GIVEN
    harness.codestar.on(UpdateProjectCommand).resolves({}).on(TagProjectCommand).resolves({});
    const desired = { ...changed, name: 'Renamed', description: 'New description', tags: { ...PROJECT.tags, added: 'yes' } };

    // WHEN
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', desired, PROJECT));

    // THEN it succeeds, with the same physical id and no call that could touch sources or toolchain
    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestarCalls()).toEqual(['UpdateProject', 'TagProject']);
    expect(harness.codestar.commandCalls(UpdateProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', name: 'Renamed', description: 'New description' });
    expect(harness.codestar.commandCalls(TagProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', tags: { added: 'yes' } });
    const notApplied = harness.logs.map(line => JSON.parse(line)).filter(line => line.event === 'creation-only-inputs-not-applied');
    expect(notApplied).toEqual([expect.objectContaining({ level: 'info', projectId: 'my-proj' })]);
  });

  test('a change of sourceCode alone makes no call, and is logged as not applied', async () => {
    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', NEW_SOURCE, PROJECT));

    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestarCalls()).toEqual([]);
    expect(loggedEvents()).toContain('creation-only-inputs-not-applied');
  });

  test('the rollback of a sourceCode change (old and new swapped) restores the name and logs the sources as not applied', async () => {
    harness.codestar.on(UpdateProjectCommand).resolves({});

    const result = await harness.onEvent(updateEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT, { ...NEW_SOURCE, name: 'Renamed' }));

    expect(result).toEqual({ PhysicalResourceId: 'my-proj', ...WAITING });
    expect(harness.codestarCalls()).toEqual(['UpdateProject']);
    expect(harness.codestar.commandCalls(UpdateProjectCommand)[0].args[0].input).toStrictEqual({ id: 'my-proj', name: PROJECT.name });
    expect(loggedEvents()).toContain('creation-only-inputs-not-applied');
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
    // Nothing says what the project was created from: no claim that something was not applied.
    expect(loggedEvents()).not.toContain('creation-only-inputs-not-applied');
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
  /** onEvent's answer when it deleted a project, or found it gone or being deleted: isComplete waits on that project. */
  const deleting = (id = 'my-proj') => ({ [DELETING_PROJECT_KEY]: id, ...WAITING });

  test('our own project: DeleteProject with deleteStack from the properties and the token of this deletion', async () => {
    // GIVEN
    const described = describedProject('UpdateComplete');
    harness.codestar
      .on(DescribeProjectCommand, { id: 'my-proj' }).resolves(described)
      .on(DeleteProjectCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deleteStack: true }));

    // THEN
    expect(result).toEqual(deleting());
    expect(harness.codestarCalls()).toEqual(['DescribeProject', 'DeleteProject']);
    expect(harness.codestar.commandCalls(DeleteProjectCommand)[0].args[0].input).toStrictEqual({
      id: 'my-proj',
      deleteStack: true,
      clientRequestToken: deleteProjectToken(RESOURCE, 'my-proj', { clientRequestToken: ownToken(), createdTimeStamp: CREATED }),
    });
  });

  test('deleteStack defaults to false', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete')).on(DeleteProjectCommand).resolves({});

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT));

    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, { id: 'my-proj', deleteStack: false });
  });

  test('a project that no longer exists is success, with no DeleteProject call, and the same answer', async () => {
    harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ProjectNotFoundException', 'not found', 404));

    expect(await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT))).toEqual(deleting());
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('DeleteProject answering not found is success', async () => {
    harness.codestar
      .on(DescribeProjectCommand).resolves(describedProject('CreateComplete'))
      .on(DeleteProjectCommand).rejects(serviceError('ProjectNotFoundException', 'not found', 404));

    expect(await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT))).toEqual(deleting());
    expect(harness.codestar).toHaveReceivedCommandTimes(DeleteProjectCommand, 1);
  });

  test('any other DeleteProject error fails the delete', async () => {
    harness.codestar
      .on(DescribeProjectCommand).resolves(describedProject('CreateComplete'))
      .on(DeleteProjectCommand).rejects(serviceError('InvalidServiceRoleException', 'The service role is not valid'));

    const error = await harness.onEventError(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT));

    expect(error.message).toBe('DeleteProject failed: InvalidServiceRoleException: The service role is not valid');
  });

  test.each([
    ['another token', FOREIGN_TOKEN],
    ['no token', undefined],
  ])('a foreign project (%s) that is not adopted is left alone: no call, success, and isComplete is done at once', async (_case, token) => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete', { clientRequestToken: token }));
    const event = deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT);

    const result = await harness.onEvent(event);
    const completion = await harness.isComplete(completionEvent(event, result));

    expect(result).toEqual(WAITING);
    expect(result).not.toHaveProperty(DELETING_PROJECT_KEY);
    expect(completion).toStrictEqual({ IsComplete: true });
    expect(harness.codestarCalls()).toEqual(['DescribeProject']);
    expect(loggedEvents()).toContain('foreign-project-left');
  });

  test('a foreign project whose properties no longer parse is left alone: nothing says it was adopted', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete', { clientRequestToken: FOREIGN_TOKEN }));

    const result = await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, adopt: 'perhaps' }));

    expect(result).toEqual(WAITING);
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('an adopted foreign project is deleted', async () => {
    const described = describedProject('CreateComplete', { clientRequestToken: FOREIGN_TOKEN });
    harness.codestar.on(DescribeProjectCommand).resolves(described).on(DeleteProjectCommand).resolves({});

    const result = await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, adopt: true }));

    expect(result).toEqual(deleting());
    expect(harness.codestar.commandCalls(DeleteProjectCommand)[0].args[0].input).toStrictEqual({
      id: 'my-proj',
      deleteStack: false,
      clientRequestToken: deleteProjectToken(RESOURCE, 'my-proj', described),
    });
  });

  const PROTECTION_REASON = 'Project my-proj has deletion protection and was not deleted (a deleted CodeStar project can never be created again); '
    + 'to delete it, first deploy it with deletionProtection: false; to keep it when it leaves the stack, use RemovalPolicy.RETAIN';

  test('deletion protection refuses the delete with a reason, and sends no DeleteProject', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete'));

    const error = await harness.onEventError(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deletionProtection: true, deleteStack: true }));

    expect(error.message).toBe(PROTECTION_REASON);
    expect(harness.mutatingCalls()).toEqual([]);
    expect(harness.codestar).toHaveReceivedCommandTimes(DeleteProjectCommand, 0);
  });

  test('deletion protection refuses an adopted project too', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete', { clientRequestToken: FOREIGN_TOKEN }));

    const error = await harness.onEventError(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, adopt: true, deletionProtection: true }));

    expect(error.message).toBe(PROTECTION_REASON);
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('deletion protection does not keep a project whose creation failed: deleted with its stack', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateFailed')).on(DeleteProjectCommand).resolves({});

    const result = await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deletionProtection: true, deleteStack: false }));

    expect(result).toEqual(deleting());
    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, { id: 'my-proj', deleteStack: true });
  });

  test('a project whose creation failed is deleted with its stack, whatever deleteStack says', async () => {
    harness.codestar
      .on(DescribeProjectCommand).resolves(describedProject('CreateFailed'))
      .on(DeleteProjectCommand).resolves({});

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deleteStack: false }));

    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, { id: 'my-proj', deleteStack: true });
  });

  test('properties that do not parse say nothing about protection: the project is treated as protected', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete'));

    const error = await harness.onEventError(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { id: 'my-proj', unexpected: 'x' }));

    expect(error.message).toBe(PROTECTION_REASON);
    expect(harness.mutatingCalls()).toEqual([]);
    expect(loggedEvents()).toContain('properties-unparsed');
  });

  test('properties that do not parse do not keep a project whose creation failed', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateFailed')).on(DeleteProjectCommand).resolves({});

    await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { id: 'my-proj', unexpected: 'x' }));

    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, { id: 'my-proj', deleteStack: true });
  });

  test('our own project too broken to describe is still deleted (the physical id vouches for it)', async () => {
    harness.codestar
      .on(DescribeProjectCommand).rejects(serviceError('ProjectConfigurationException', 'configuration missing'))
      .on(DeleteProjectCommand).resolves({});

    const result = await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT));

    expect(result).toEqual(deleting());
    expect(harness.mutatingCalls()).toEqual(['DeleteProject']);
    expect(harness.codestar).toHaveReceivedCommandWith(DeleteProjectCommand, {
      id: 'my-proj',
      deleteStack: false,
      clientRequestToken: deleteProjectToken(RESOURCE, 'my-proj', {}),
    });
  });

  test('a project too broken to describe, with deletion protection, is not deleted', async () => {
    harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ProjectConfigurationException', 'configuration missing'));

    const error = await harness.onEventError(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', { ...PROJECT, deletionProtection: true }));

    expect(error.message).toBe(PROTECTION_REASON);
    expect(harness.mutatingCalls()).toEqual([]);
  });

  describe('a physical id CloudFormation made up (a create it cancelled, or a failed response without one)', () => {
    const MADE_UP = [
      ['a logical id with a random suffix', 'E2E-Project-1A2B3C4D5E6F'],
      ['the provider framework\'s create-failed marker', FRAMEWORK_CREATE_FAILED_MARKER],
      ['a request id', '5b1b07a4-1f0e-4f3c-9d4c-6f1f4e4f0a11'],
    ];

    test.each(MADE_UP)('%s: a complete project, ours by its token (kept by RETAIN, then recognised by this create), keeps its protection', async (_case, physicalId) => {
      // GIVEN the stack kept the project earlier; the cancelled create found it and took it as its own
      harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject('CreateComplete'));
      const event = deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, { ...PROJECT, deletionProtection: true });

      // WHEN
      const error = await harness.onEventError(event);

      // THEN the project, complete and in use, is not deleted
      expect(error.message).toBe(PROTECTION_REASON);
      expect(harness.mutatingCalls()).toEqual([]);
    });

    test.each(MADE_UP)('%s: a complete project, ours by its token, without protection: deleted as declared (its stack only with deleteProjectStack)', async (_case, physicalId) => {
      const described = describedProject('CreateComplete');
      harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(described).on(DeleteProjectCommand).resolves({});

      await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, { ...PROJECT, deletionProtection: false, deleteStack: false }));

      expect(harness.codestar.commandCalls(DeleteProjectCommand)[0].args[0].input).toMatchObject({ id: 'my-proj', deleteStack: false });
    });

    test.each(MADE_UP)('%s: the cancelled create\'s own creation, still in progress, is deleted with its stack, protection or not', async (_case, physicalId) => {
      // GIVEN the cancelled create had got as far as creating the project
      const described = describedProject('CreateInProgress');
      harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(described).on(DeleteProjectCommand).resolves({});
      const event = deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, { ...PROJECT, deletionProtection: true, deleteStack: false });

      // WHEN
      const result = await harness.onEvent(event);

      // THEN
      expect(result).toEqual(deleting('my-proj'));
      expect(harness.codestar.commandCalls(DeleteProjectCommand)[0].args[0].input).toStrictEqual({
        id: 'my-proj',
        deleteStack: true,
        clientRequestToken: deleteProjectToken(RESOURCE, 'my-proj', described),
      });
    });

    test.each(MADE_UP)('%s: a declared project with a foreign token is left alone, even when adopt is declared', async (_case, physicalId) => {
      harness.codestar.on(DescribeProjectCommand).resolves(describedProject('CreateComplete', { clientRequestToken: FOREIGN_TOKEN }));
      const event = deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, { ...PROJECT, adopt: true });

      const result = await harness.onEvent(event);
      const completion = await harness.isComplete(completionEvent(event, result));

      expect(result).toEqual(WAITING);
      expect(completion).toStrictEqual({ IsComplete: true });
      expect(harness.codestarCalls()).toEqual(['DescribeProject']);
    });

    test.each(MADE_UP)('%s: no declared project (it was never created): no mutating call, isComplete done at once', async (_case, physicalId) => {
      harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ProjectNotFoundException', 'not found', 404));
      const event = deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, PROJECT);

      const result = await harness.onEvent(event);
      const completion = await harness.isComplete(completionEvent(event, result));

      expect(result).toEqual(WAITING);
      expect(completion).toStrictEqual({ IsComplete: true });
      expect(harness.mutatingCalls()).toEqual([]);
    });

    test.each(MADE_UP)('%s: a declared project too broken to describe has no token to prove it ours: no call', async (_case, physicalId) => {
      harness.codestar.on(DescribeProjectCommand).rejects(serviceError('ProjectConfigurationException', 'configuration missing'));

      expect(await harness.onEvent(deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, PROJECT))).toEqual(WAITING);
      expect(harness.mutatingCalls()).toEqual([]);
    });

    test.each(MADE_UP)('%s with properties that do not parse: no call at all', async (_case, physicalId) => {
      const event = deleteEvent(PROJECT_RESOURCE_TYPE, physicalId, { id: 'my-proj', unexpected: 'x' });

      const result = await harness.onEvent(event);
      const completion = await harness.isComplete(completionEvent(event, result));

      expect(result).toEqual(WAITING);
      expect(completion).toStrictEqual({ IsComplete: true });
      expect(harness.codestarCalls()).toEqual([]);
    });
  });

  test.each([
    ['DeleteInProgress', () => describedProject('DeleteInProgress')],
    ['DeleteComplete', () => describedProject('DeleteComplete')],
    ['gone', () => serviceError('ProjectNotFoundException', 'not found', 404)],
  ])('a redelivered Delete, the project %s, answers as the first did and deletes nothing again', async (_case, second) => {
    // GIVEN the first delivery deleted the project
    const answer = second();
    const describe = harness.codestar.on(DescribeProjectCommand).resolvesOnce(describedProject('CreateComplete'));
    if (answer instanceof Error) {
      describe.rejects(answer);
    } else {
      describe.resolves(answer);
    }
    harness.codestar.on(DeleteProjectCommand).resolves({});
    const event = deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT);

    // WHEN the same event is delivered twice
    const first = await harness.onEvent(event);
    const again = await harness.onEvent(structuredClone(event));

    // THEN
    expect(again).toEqual(first);
    expect(again).toEqual(deleting());
    expect(harness.codestar).toHaveReceivedCommandTimes(DeleteProjectCommand, 1);
  });

  test('a redelivered Delete of a cancelled create, the project being deleted, answers as the first did', async () => {
    harness.codestar
      .on(DescribeProjectCommand).resolvesOnce(describedProject('CreateInProgress')).resolves(describedProject('DeleteInProgress'))
      .on(DeleteProjectCommand).resolves({});
    const event = deleteEvent(PROJECT_RESOURCE_TYPE, 'E2E-Project-1A2B3C4D5E6F', PROJECT);

    const first = await harness.onEvent(event);
    const again = await harness.onEvent(structuredClone(event));

    expect(again).toEqual(first);
    expect(again).toEqual(deleting());
    expect(harness.codestar).toHaveReceivedCommandTimes(DeleteProjectCommand, 1);
  });

  describe('isComplete', () => {
    const event = completionEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT), { [DELETING_PROJECT_KEY]: 'my-proj' });

    test.each([
      ['DeleteInProgress', { IsComplete: false }],
      ['CreateComplete', { IsComplete: false }],
      ['DeleteComplete', { IsComplete: true }],
    ])('state %s -> %j', async (state, expected) => {
      harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject(state));

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

    test('waits on the project named by CodeStarDeletingProject, not on the physical id', async () => {
      // GIVEN a cancelled create's Delete: the physical id is made up, onEvent named the project it deleted
      harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' })
        .resolvesOnce(describedProject('DeleteInProgress'))
        .rejects(serviceError('ProjectNotFoundException', 'gone', 404));
      const cancelled = completionEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'E2E-Project-1A2B3C4D5E6F', PROJECT), { [DELETING_PROJECT_KEY]: 'my-proj' });

      // WHEN / THEN
      expect(await harness.isComplete(cancelled)).toStrictEqual({ IsComplete: false });
      expect(await harness.isComplete(cancelled)).toStrictEqual({ IsComplete: true });
      expect(harness.codestar).toHaveReceivedCommandTimes(DescribeProjectCommand, 2);
      expect(harness.codestar).toHaveReceivedNthCommandWith(1, DescribeProjectCommand, { id: 'my-proj' });
    });

    test('without CodeStarDeletingProject (onEvent deleted nothing) it is complete at once, without a call', async () => {
      const nothing = completionEvent(deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT), {});

      expect(await harness.isComplete(nothing)).toStrictEqual({ IsComplete: true });
      expect(harness.codestarCalls()).toEqual([]);
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
    givenCreated();
    const now = harness.clock.now();
    const upToMinute = (t: number) => Math.ceil(t / 60_000) * 60_000;

    const withTimeout = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, properties));
    const withDefault = await harness.onEvent(createEvent(PROJECT_RESOURCE_TYPE, PROJECT, { requestId: 'request-2' }));

    expect(withTimeout[WAIT_DEADLINE_KEY]).toBe(upToMinute(now + 60_000));
    expect(withDefault[WAIT_DEADLINE_KEY]).toBe(upToMinute(now + 1_800_000));
    expect(upToMinute(now + 60_000) - (now + 60_000)).toBeLessThan(60_000);
  });

  test('onEvent delivered twice within a minute returns the same response: the waiter\'s input must not change', async () => {
    givenCreated();
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

    const result = await harness.isComplete(completionEvent(request, { PhysicalResourceId: 'my-proj', [DELETING_PROJECT_KEY]: 'my-proj', [WAIT_DEADLINE_KEY]: harness.clock.now() + 1 }));

    expect(result).toStrictEqual({ IsComplete: false });
  });

  test.each(['Create', 'Delete'] as const)('a %s still in progress at the deadline fails with a reason that says so', async (requestType) => {
    const state = requestType === 'Create' ? 'CreateInProgress' : 'DeleteInProgress';
    harness.codestar.on(DescribeProjectCommand).resolves(describedProject(state));
    const request = requestType === 'Create' ? createEvent(PROJECT_RESOURCE_TYPE, properties) : deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', properties);

    const error = await harness.isCompleteError(completionEvent(request, { PhysicalResourceId: 'my-proj', [DELETING_PROJECT_KEY]: 'my-proj', [WAIT_DEADLINE_KEY]: harness.clock.now() }));

    expect(error.message).toBe(`Project my-proj is still ${state} after its timeout of 60 seconds; `
      + 'CodeStar may still finish in the background: check the project, or give it a longer timeout');
    expect(harness.mutatingCalls()).toEqual([]);
  });

  test('a cancelled create\'s Delete still in progress at the deadline names the project it waits on, not the made-up physical id', async () => {
    harness.codestar.on(DescribeProjectCommand, { id: 'my-proj' }).resolves(describedProject('DeleteInProgress'));
    const request = deleteEvent(PROJECT_RESOURCE_TYPE, 'E2E-Project-1A2B3C4D5E6F', properties);

    const error = await harness.isCompleteError(completionEvent(request, { [DELETING_PROJECT_KEY]: 'my-proj', [WAIT_DEADLINE_KEY]: harness.clock.now() }));

    expect(error.message).toBe('Project my-proj is still DeleteInProgress after its timeout of 60 seconds; '
      + 'CodeStar may still finish in the background: check the project, or give it a longer timeout');
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
    givenCreated();
    const event = createEvent(PROJECT_RESOURCE_TYPE, PROJECT);

    await harness.onEvent({ ...event, ResourceProperties: { ...event.ResourceProperties, ServiceTimeout: '2100' } });

    expect(harness.codestarCalls()).toEqual(['CreateProject', 'DescribeProject', 'ListTagsForProject']);
  });
});
