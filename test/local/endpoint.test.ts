import * as http from 'node:http';
import {
  AssociateTeamMemberCommand,
  CodeStarClient,
  CodeStarServiceException,
  ConcurrentModificationException,
  CreateProjectCommand,
  CreateUserProfileCommand,
  DeleteProjectCommand,
  DeleteUserProfileCommand,
  DescribeProjectCommand,
  DescribeUserProfileCommand,
  DisassociateTeamMemberCommand,
  ListProjectsCommand,
  ListResourcesCommand,
  ListTagsForProjectCommand,
  ListTeamMembersCommand,
  ListUserProfilesCommand,
  ProjectNotFoundException,
  TagProjectCommand,
  UntagProjectCommand,
  UpdateProjectCommand,
  UpdateTeamMemberCommand,
  UpdateUserProfileCommand,
} from '@aws-sdk/client-codestar';
import { codeStarClient, errorOf, userArn } from './helpers';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';

let cs: LocalCodeStar;
let client: CodeStarClient;

beforeAll(async () => {
  cs = await startLocalCodeStar();
  client = codeStarClient(cs.url);
});

afterAll(async () => {
  client.destroy();
  await cs.close();
});

beforeEach(() => cs.reset());

/** Polls DescribeProject until the state is final (the endpoint's default: one in-progress answer). */
async function settle(id: string): Promise<string | undefined> {
  for (let i = 0; i < 10; i++) {
    try {
      const state = (await client.send(new DescribeProjectCommand({ id }))).status?.state;
      if (!state?.endsWith('InProgress')) {
        return state;
      }
    } catch (e) {
      if ((e as Error).name === 'ProjectNotFoundException') {
        return undefined;
      }
      throw e;
    }
  }
  throw new Error(`project ${id} did not settle`);
}

describe('projects', () => {
  test('CreateProject answers at once; DescribeProject sees CreateInProgress, then CreateComplete', async () => {
    const created = await client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo project', clientRequestToken: 'token-1' }));
    expect(created).toMatchObject({
      id: 'demo',
      arn: 'arn:aws:codestar:us-east-1:123456789012:project/demo',
      clientRequestToken: 'token-1',
      projectTemplateId: 'arn:aws:codestar:us-east-1::project-template/empty-project',
    });

    const first = await client.send(new DescribeProjectCommand({ id: 'demo' }));
    expect(first.status).toEqual({ state: 'CreateInProgress' });
    expect(first.stackId).toMatch(/^arn:aws:cloudformation:us-east-1:123456789012:stack\/awscodestar-demo\/[0-9a-f-]{36}$/);
    expect(first.createdTimeStamp).toBeInstanceOf(Date);
    expect(first).toMatchObject({ id: 'demo', name: 'Demo project', clientRequestToken: 'token-1', arn: created.arn });

    const second = await client.send(new DescribeProjectCommand({ id: 'demo' }));
    expect(second.status).toEqual({ state: 'CreateComplete' });
  });

  test('the caller becomes the Owner of a new project', async () => {
    await client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo' }));
    const { teamMembers } = await client.send(new ListTeamMembersCommand({ projectId: 'demo' }));
    expect(teamMembers).toEqual([{ userArn: cs.callerUserArn, projectRole: 'Owner', remoteAccessAllowed: false }]);
  });

  test('sourceCode and toolchain pick the template; the GitHub token is not kept', async () => {
    const s3 = { bucketName: 'my-bucket', bucketKey: 'source.zip' };
    await client.send(new CreateProjectCommand({
      id: 'gh',
      name: 'GitHub project',
      sourceCode: [{
        source: { s3 },
        destination: { gitHub: { name: 'repo', type: 'User', owner: 'octo', privateRepository: true, issuesEnabled: false, token: 'ghp_secret' } },
      }],
      toolchain: { source: { s3 }, stackParameters: { ProjectId: 'gh' } },
    }));
    expect((await client.send(new DescribeProjectCommand({ id: 'gh' }))).projectTemplateId)
      .toBe('arn:aws:codestar:us-east-1::project-template/github/custom-project');
    expect(JSON.stringify(cs.state.project('gh'))).not.toContain('ghp_secret');
    expect(JSON.stringify(cs.calls('CreateProject'))).not.toContain('ghp_secret');
  });

  test('sourceCode without toolchain is rejected (documented rule)', async () => {
    const e = await errorOf(client.send(new CreateProjectCommand({
      id: 'p1', name: 'x', sourceCode: [{ source: { s3: {} }, destination: { codeCommit: { name: 'r' } } }],
    })));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toContain("'toolchain'");
  });

  test('the same clientRequestToken is idempotent; another token or none is ProjectAlreadyExistsException', async () => {
    const a = await client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo', clientRequestToken: 'tok' }));
    const b = await client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo', clientRequestToken: 'tok' }));
    expect(b).toMatchObject({ id: a.id, arn: a.arn, clientRequestToken: 'tok', projectTemplateId: a.projectTemplateId });
    expect(cs.state.projects()).toHaveLength(1);

    expect((await errorOf(client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo', clientRequestToken: 'other' })))).name)
      .toBe('ProjectAlreadyExistsException');
    const e = await errorOf(client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo' })));
    expect(e.name).toBe('ProjectAlreadyExistsException');
    expect(e.$metadata.httpStatusCode).toBe(400);
  });

  test('a project configured to fail ends in CreateFailed with the reason', async () => {
    cs.state.failProjectCreation('doomed', 'The toolchain stack failed to create.');
    await client.send(new CreateProjectCommand({ id: 'doomed', name: 'Doomed' }));
    expect(await settle('doomed')).toBe('CreateFailed');
    expect((await client.send(new DescribeProjectCommand({ id: 'doomed' }))).status)
      .toEqual({ state: 'CreateFailed', reason: 'The toolchain stack failed to create.' });
  });

  test('reset forgets a configured creation failure', async () => {
    cs.state.failProjectCreation('doomed', 'The toolchain stack failed to create.');
    cs.reset();
    await client.send(new CreateProjectCommand({ id: 'doomed', name: 'Doomed' }));
    expect(await settle('doomed')).toBe('CreateComplete');
  });

  test('failProjects option', async () => {
    const local = await startLocalCodeStar({ failProjects: { bad: 'no' }, transitions: { describes: 0 } });
    const c = codeStarClient(local.url);
    try {
      await c.send(new CreateProjectCommand({ id: 'bad', name: 'Bad' }));
      expect((await c.send(new DescribeProjectCommand({ id: 'bad' }))).status).toEqual({ state: 'CreateFailed', reason: 'no' });
      // An option is configuration: reset keeps it.
      local.reset();
      await c.send(new CreateProjectCommand({ id: 'bad', name: 'Bad' }));
      expect((await c.send(new DescribeProjectCommand({ id: 'bad' }))).status).toEqual({ state: 'CreateFailed', reason: 'no' });
    } finally {
      c.destroy();
      await local.close();
    }
  });

  test('DescribeProject of a missing project is ProjectNotFoundException (404)', async () => {
    const e = await errorOf(client.send(new DescribeProjectCommand({ id: 'missing' })));
    expect(e).toBeInstanceOf(ProjectNotFoundException);
    expect(e.$metadata.httpStatusCode).toBe(404);
  });

  test('UpdateProject changes name and description', async () => {
    cs.state.seedProject({ id: 'demo', name: 'Old', description: 'old' });
    await client.send(new UpdateProjectCommand({ id: 'demo', name: 'New name', description: '' }));
    expect(await client.send(new DescribeProjectCommand({ id: 'demo' }))).toMatchObject({ name: 'New name', description: '' });
    expect((await errorOf(client.send(new UpdateProjectCommand({ id: 'nope', name: 'x' })))).name).toBe('ProjectNotFoundException');
  });

  test('DeleteProject goes through DeleteInProgress, then the project is gone', async () => {
    const seeded = cs.state.seedProject({ id: 'demo' });
    const deleted = await client.send(new DeleteProjectCommand({ id: 'demo', deleteStack: true }));
    expect(deleted).toMatchObject({ stackId: seeded.stackId, projectArn: seeded.arn });
    expect((await client.send(new DescribeProjectCommand({ id: 'demo' }))).status).toEqual({ state: 'DeleteInProgress' });
    expect(await settle('demo')).toBeUndefined();
    expect(cs.state.projects()).toEqual([]);
    expect(cs.calls('DeleteProject')[0].input).toEqual({ id: 'demo', deleteStack: true });
  });

  test('DeleteProject of a missing project succeeds (no not-found error is modelled)', async () => {
    const out = await client.send(new DeleteProjectCommand({ id: 'never' }));
    expect(out.stackId).toBeUndefined();
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  test('tags: TagProject merges, UntagProject removes, ListTagsForProject lists', async () => {
    cs.state.seedProject({ id: 'demo', tags: { team: 'a' } });
    const tagged = await client.send(new TagProjectCommand({ id: 'demo', tags: { env: 'dev', team: 'b' } }));
    expect(tagged.tags).toEqual({ team: 'b', env: 'dev' });
    await client.send(new UntagProjectCommand({ id: 'demo', tags: ['team', 'absent'] }));
    expect((await client.send(new ListTagsForProjectCommand({ id: 'demo' }))).tags).toEqual({ env: 'dev' });
    expect((await errorOf(client.send(new TagProjectCommand({ id: 'nope', tags: { a: 'b' } })))).name).toBe('ProjectNotFoundException');
  });

  test('more than 50 tags is LimitExceededException', async () => {
    cs.state.seedProject({ id: 'demo' });
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect((await errorOf(client.send(new TagProjectCommand({ id: 'demo', tags })))).name).toBe('LimitExceededException');
  });

  test('ListResources answers fake resource ARNs of the project', async () => {
    cs.state.seedProject({ id: 'demo' });
    const { resources } = await client.send(new ListResourcesCommand({ projectId: 'demo' }));
    expect(resources).toHaveLength(3);
    resources!.forEach(r => expect(r.id).toMatch(/^arn:aws:[a-z0-9]+:.*demo/));
    expect((await errorOf(client.send(new ListResourcesCommand({ projectId: 'nope' })))).name).toBe('ProjectNotFoundException');
  });
});

describe('team members', () => {
  beforeEach(() => cs.state.seedProject({ id: 'demo' }));

  test('AssociateTeamMember, UpdateTeamMember, ListTeamMembers, DisassociateTeamMember', async () => {
    const alice = userArn('alice');
    const associated = await client.send(new AssociateTeamMemberCommand({ projectId: 'demo', userArn: alice, projectRole: 'Viewer', clientRequestToken: 't1' }));
    expect(associated.clientRequestToken).toBe('t1');

    const updated = await client.send(new UpdateTeamMemberCommand({ projectId: 'demo', userArn: alice, projectRole: 'Contributor', remoteAccessAllowed: true }));
    expect(updated).toMatchObject({ userArn: alice, projectRole: 'Contributor', remoteAccessAllowed: true });

    const { teamMembers } = await client.send(new ListTeamMembersCommand({ projectId: 'demo' }));
    expect(teamMembers).toContainEqual({ userArn: alice, projectRole: 'Contributor', remoteAccessAllowed: true });

    await client.send(new DisassociateTeamMemberCommand({ projectId: 'demo', userArn: alice }));
    expect(cs.state.teamMembers('demo').map(m => m.userArn)).toEqual([cs.callerUserArn]);
  });

  test('the same token is idempotent; a different token or none is TeamMemberAlreadyAssociatedException', async () => {
    const bob = userArn('bob');
    await client.send(new AssociateTeamMemberCommand({ projectId: 'demo', userArn: bob, projectRole: 'Viewer', clientRequestToken: 'same' }));
    const again = await client.send(new AssociateTeamMemberCommand({ projectId: 'demo', userArn: bob, projectRole: 'Viewer', clientRequestToken: 'same' }));
    expect(again.clientRequestToken).toBe('same');
    for (const clientRequestToken of ['different', undefined]) {
      const e = await errorOf(client.send(new AssociateTeamMemberCommand({ projectId: 'demo', userArn: bob, projectRole: 'Viewer', clientRequestToken })));
      expect(e.name).toBe('TeamMemberAlreadyAssociatedException');
    }
    expect(cs.state.teamMembers('demo')).toHaveLength(2);
  });

  test('errors: missing project, missing member; disassociating a non-member succeeds', async () => {
    const carol = userArn('carol');
    expect((await errorOf(client.send(new AssociateTeamMemberCommand({ projectId: 'nope', userArn: carol, projectRole: 'Owner' })))).name)
      .toBe('ProjectNotFoundException');
    const notFound = await errorOf(client.send(new UpdateTeamMemberCommand({ projectId: 'demo', userArn: carol, projectRole: 'Owner' })));
    expect(notFound.name).toBe('TeamMemberNotFoundException');
    expect(notFound.$metadata.httpStatusCode).toBe(404);
    await client.send(new DisassociateTeamMemberCommand({ projectId: 'demo', userArn: carol }));
    expect((await errorOf(client.send(new DisassociateTeamMemberCommand({ projectId: 'nope', userArn: carol })))).name)
      .toBe('ProjectNotFoundException');
    expect((await errorOf(client.send(new ListTeamMembersCommand({ projectId: 'nope' })))).name).toBe('ProjectNotFoundException');
  });

  test('seeded team members are visible', async () => {
    cs.state.seedTeamMember('demo', { userArn: userArn('dave'), projectRole: 'Contributor' });
    const { teamMembers } = await client.send(new ListTeamMembersCommand({ projectId: 'demo' }));
    expect(teamMembers).toContainEqual({ userArn: userArn('dave'), projectRole: 'Contributor', remoteAccessAllowed: false });
  });
});

describe('user profiles', () => {
  const arn = userArn('erin');

  test('create, describe, update, list, delete', async () => {
    const created = await client.send(new CreateUserProfileCommand({ userArn: arn, displayName: 'Erin', emailAddress: 'erin@example.com' }));
    expect(created).toMatchObject({ userArn: arn, displayName: 'Erin', emailAddress: 'erin@example.com' });
    expect(created.createdTimestamp).toBeInstanceOf(Date);

    const described = await client.send(new DescribeUserProfileCommand({ userArn: arn }));
    expect(described.lastModifiedTimestamp).toBeInstanceOf(Date);

    const updated = await client.send(new UpdateUserProfileCommand({ userArn: arn, sshPublicKey: 'ssh-ed25519 AAAA erin' }));
    expect(updated).toMatchObject({ displayName: 'Erin', sshPublicKey: 'ssh-ed25519 AAAA erin' });

    const { userProfiles } = await client.send(new ListUserProfilesCommand({}));
    expect(userProfiles).toEqual([{ userArn: arn, displayName: 'Erin', emailAddress: 'erin@example.com', sshPublicKey: 'ssh-ed25519 AAAA erin' }]);

    expect((await client.send(new DeleteUserProfileCommand({ userArn: arn }))).userArn).toBe(arn);
    expect(cs.state.userProfiles()).toEqual([]);
  });

  test('errors: already exists, not found; deleting a missing profile succeeds', async () => {
    cs.state.seedUserProfile({ userArn: arn, displayName: 'Someone else', emailAddress: 'x@example.com' });
    expect((await errorOf(client.send(new CreateUserProfileCommand({ userArn: arn, displayName: 'E', emailAddress: 'e@example.com' })))).name)
      .toBe('UserProfileAlreadyExistsException');
    const missing = userArn('nobody');
    const e = await errorOf(client.send(new DescribeUserProfileCommand({ userArn: missing })));
    expect(e.name).toBe('UserProfileNotFoundException');
    expect(e.$metadata.httpStatusCode).toBe(404);
    expect((await errorOf(client.send(new UpdateUserProfileCommand({ userArn: missing, displayName: 'N' })))).name).toBe('UserProfileNotFoundException');
    expect((await client.send(new DeleteUserProfileCommand({ userArn: missing }))).userArn).toBe(missing);
  });
});

describe('pagination', () => {
  test('ListProjects pages with maxResults and nextToken', async () => {
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p5']) {
      cs.state.seedProject({ id });
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(new ListProjectsCommand({ maxResults: 2, nextToken }));
      pages++;
      seen.push(...page.projects!.map(p => p.projectId!));
      nextToken = page.nextToken;
      if (nextToken) {
        expect(nextToken).toMatch(/^[\w/+=]+$/);
      }
    } while (nextToken);
    expect(pages).toBe(3);
    expect(seen).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  test.each([
    ['ListTeamMembers', () => new ListTeamMembersCommand({ projectId: 'demo', maxResults: 1 }), (o: any) => o.teamMembers.length],
    ['ListResources', () => new ListResourcesCommand({ projectId: 'demo', maxResults: 1 }), (o: any) => o.resources.length],
    ['ListTagsForProject', () => new ListTagsForProjectCommand({ id: 'demo', maxResults: 1 }), (o: any) => Object.keys(o.tags).length],
    ['ListUserProfiles', () => new ListUserProfilesCommand({ maxResults: 1 }), (o: any) => o.userProfiles.length],
  ])('%s pages too', async (_name, command, count) => {
    cs.state.seedProject({ id: 'demo', tags: { a: '1', b: '2' } });
    cs.state.seedTeamMember('demo', { userArn: userArn('frank'), projectRole: 'Viewer' });
    cs.state.seedUserProfile({ userArn: userArn('u1'), displayName: 'U1', emailAddress: 'u1@example.com' });
    cs.state.seedUserProfile({ userArn: userArn('u2'), displayName: 'U2', emailAddress: 'u2@example.com' });
    const first: any = await client.send(command() as any);
    expect(count(first)).toBe(1);
    expect(first.nextToken).toBeDefined();
    const cmd: any = command();
    cmd.input.nextToken = first.nextToken;
    const second: any = await client.send(cmd);
    expect(count(second)).toBe(1);
  });

  test('a forged, foreign or malformed nextToken is InvalidNextTokenException', async () => {
    cs.state.seedProject({ id: 'a1', tags: { x: '1', y: '2' } });
    cs.state.seedProject({ id: 'a2' });
    const { nextToken } = await client.send(new ListProjectsCommand({ maxResults: 1 }));
    const forged = Buffer.from('ListProjects|0|0000000000000000').toString('base64');
    for (const token of [forged, 'bm90IGEgdG9rZW4=', 'abc']) {
      expect((await errorOf(client.send(new ListProjectsCommand({ nextToken: token })))).name).toBe('InvalidNextTokenException');
    }
    // a ListProjects token is not a ListTagsForProject token
    expect((await errorOf(client.send(new ListTagsForProjectCommand({ id: 'a1', nextToken })))).name).toBe('InvalidNextTokenException');
  });

  test('maxResults outside 1..100 and a token outside the PaginationToken pattern are ValidationExceptions', async () => {
    expect((await errorOf(client.send(new ListProjectsCommand({ maxResults: 0 })))).name).toBe('ValidationException');
    expect((await errorOf(client.send(new ListProjectsCommand({ maxResults: 101 })))).name).toBe('ValidationException');
    expect((await errorOf(client.send(new ListProjectsCommand({ nextToken: 'not a token!' })))).message).toContain("at 'nextToken'");
  });
});

describe('protocol', () => {
  function post(target: string | undefined, body: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/x-amz-json-1.1' };
      if (target) {
        headers['x-amz-target'] = target;
      }
      const req = http.request(`${cs.url}/`, { method: 'POST', headers }, res => {
        let text = '';
        res.on('data', c => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  test('errors are AWS JSON errors: status, x-amzn-errortype and __type', async () => {
    const res = await post('CodeStar_20170419.DescribeProject', '{"id":"missing"}');
    expect(res.status).toBe(404);
    expect(res.headers['x-amzn-errortype']).toBe('ProjectNotFoundException');
    expect(res.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(res.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toEqual({ __type: 'ProjectNotFoundException', message: 'Project missing not found.' });
  });

  test('an unknown or missing target is UnknownOperationException', async () => {
    for (const target of ['CodeStar_20170419.CreateWidget', 'Other_20200101.ListProjects', undefined]) {
      const res = await post(target, '{}');
      expect(res.status).toBe(400);
      expect(res.body.__type).toBe('UnknownOperationException');
    }
  });

  test('a body that is not a JSON object is SerializationException', async () => {
    expect((await post('CodeStar_20170419.ListProjects', '{oops')).body.__type).toBe('SerializationException');
    expect((await post('CodeStar_20170419.ListProjects', '[1]')).body.__type).toBe('SerializationException');
    expect((await post('CodeStar_20170419.ListProjects', '')).status).toBe(200);
  });

  test('members of the wrong type are ValidationExceptions naming the member', async () => {
    const res = await post('CodeStar_20170419.AssociateTeamMember', JSON.stringify({
      projectId: 'demo', userArn: userArn('a'), projectRole: 'Owner', remoteAccessAllowed: 'yes',
    }));
    expect(res.body.__type).toBe('ValidationException');
    expect(res.body.message).toContain("at 'remoteAccessAllowed' failed to satisfy constraint: Member must be of type boolean");
    const nested = await post('CodeStar_20170419.CreateProject', JSON.stringify({ id: 'demo', name: 'n', toolchain: { source: 's3' } }));
    expect(nested.body.message).toContain("at 'toolchain.source' failed to satisfy constraint: Member must be of type structure");
  });

  test('validation messages never show sensitive values', async () => {
    const e = await errorOf(client.send(new CreateUserProfileCommand({ userArn: userArn('g'), displayName: ' secret name ', emailAddress: 'not-an-email' })));
    expect(e.name).toBe('ValidationException');
    expect(e.message).toContain("Value at 'displayName'");
    expect(e.message).not.toContain('secret name');
    expect(e.message).not.toContain('not-an-email');
  });

  test('the SDK finds the endpoint through AWS_ENDPOINT_URL_CODESTAR', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_CODESTAR;
    process.env.AWS_ENDPOINT_URL_CODESTAR = cs.url;
    const viaEnv = new CodeStarClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 's' }, maxAttempts: 1 });
    try {
      cs.state.seedProject({ id: 'env' });
      expect((await viaEnv.send(new ListProjectsCommand({}))).projects).toEqual([{ projectId: 'env', projectArn: cs.state.project('env')!.arn }]);
    } finally {
      viaEnv.destroy();
      if (saved === undefined) {
        delete process.env.AWS_ENDPOINT_URL_CODESTAR;
      } else {
        process.env.AWS_ENDPOINT_URL_CODESTAR = saved;
      }
    }
  });
});

describe('fault injection', () => {
  test('throttling for a number of calls of one operation', async () => {
    const fault = cs.faults.throttle({ operations: ['CreateProject'], times: 1 });
    const e = await errorOf(client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo' })));
    expect(e.name).toBe('ThrottlingException');
    expect(e).toBeInstanceOf(CodeStarServiceException);
    expect(e.$metadata.httpStatusCode).toBe(400);
    await client.send(new ListProjectsCommand({})); // other operations are not affected
    await client.send(new CreateProjectCommand({ id: 'demo', name: 'Demo' }));
    expect(fault.fired).toBe(1);
    expect(cs.calls('CreateProject').map(c => c.fault ?? c.status)).toEqual(['throttling', 200]);
    expect(cs.mutatingCalls().map(c => c.operation)).toEqual(['CreateProject']);
  });

  test('InternalFailure (500), ConcurrentModificationException (500) and modelled errors by name', async () => {
    cs.faults.internalFailure({ times: 1 });
    cs.faults.concurrentModification({ times: 1 });
    cs.faults.error('LimitExceededException', { times: 1, message: 'too many' });
    const internal = await errorOf(client.send(new ListProjectsCommand({})));
    expect([internal.name, internal.$metadata.httpStatusCode]).toEqual(['InternalFailure', 500]);
    const concurrent = await errorOf(client.send(new ListProjectsCommand({})));
    expect(concurrent).toBeInstanceOf(ConcurrentModificationException);
    expect(concurrent.$metadata.httpStatusCode).toBe(500);
    const limit = await errorOf(client.send(new ListProjectsCommand({})));
    expect([limit.name, limit.message]).toEqual(['LimitExceededException', 'too many']);
    await client.send(new ListProjectsCommand({}));
  });

  test('skip lets calls through before a fault starts', async () => {
    cs.faults.throttle({ skip: 2, times: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      outcomes.push(await client.send(new ListProjectsCommand({})).then(() => 'ok', (e: Error) => e.name));
    }
    expect(outcomes).toEqual(['ok', 'ok', 'ThrottlingException', 'ok']);
  });

  test('probabilistic faults are deterministic for a seed', async () => {
    async function run(seed: number): Promise<string[]> {
      const local = await startLocalCodeStar({ seed, faults: [{ kind: 'throttling', probability: 0.5 }] });
      const c = codeStarClient(local.url);
      try {
        const outcomes: string[] = [];
        for (let i = 0; i < 12; i++) {
          outcomes.push(await c.send(new ListProjectsCommand({})).then(() => 'ok', (e: Error) => e.name));
        }
        return outcomes;
      } finally {
        c.destroy();
        await local.close();
      }
    }
    const a = await run(42);
    expect(await run(42)).toEqual(a);
    expect(a).toContain('ok');
    expect(a).toContain('ThrottlingException');
  });

  test('latency delays the answer, which is otherwise normal', async () => {
    const fault = cs.faults.latency(20, { operations: ['ListProjects'], times: 1 });
    expect((await client.send(new ListProjectsCommand({}))).projects).toEqual([]);
    expect(fault.fired).toBe(1);
  });

  test('a hung call is never answered; the client gives up', async () => {
    cs.faults.hang({ operations: ['DescribeProject'], times: 1 });
    const impatient = new CodeStarClient({
      endpoint: cs.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 's' },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 100, connectionTimeout: 100 } as any,
    });
    try {
      expect((await errorOf(impatient.send(new DescribeProjectCommand({ id: 'demo' })))).name).toBe('TimeoutError');
      expect(cs.calls('DescribeProject')[0]).toMatchObject({ status: 0, fault: 'hang' });
      // the next call is answered
      expect((await errorOf(impatient.send(new DescribeProjectCommand({ id: 'demo' })))).name).toBe('ProjectNotFoundException');
    } finally {
      impatient.destroy();
    }
  });

  describe('lostResponse', () => {
    // @smithy/node-http-handler 2.5 leaves its socket-usage warning timer (requestTimeout +
    // connectionTimeout, 3 s by default) running when a request fails on a network error, which keeps
    // jest from exiting promptly; these local calls answer in milliseconds, so shorter timeouts are safe.
    const quiet = (url: string) => new CodeStarClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
      maxAttempts: 1,
      requestHandler: { requestTimeout: 500, connectionTimeout: 250 } as any,
    });
    let lossy: CodeStarClient;
    beforeEach(() => { lossy = quiet(cs.url); });
    afterEach(() => lossy.destroy());

    /** The client saw the connection reset, not an answer. */
    function expectNetworkError(e: any): void {
      expect(e).not.toBeInstanceOf(CodeStarServiceException);
      expect(e.$metadata?.httpStatusCode).toBeUndefined();
      expect(`${e.code ?? ''} ${e.message}`).toMatch(/ECONNRESET|socket hang up/);
    }

    test('CreateProject is applied but its answer is lost; a repeat with the same token succeeds', async () => {
      const fault = cs.faults.lostResponse({ operations: ['CreateProject'], times: 1 });
      const e = await errorOf(lossy.send(new CreateProjectCommand({ id: 'demo', name: 'Demo', clientRequestToken: 'tok' })));
      expectNetworkError(e);
      expect(fault.fired).toBe(1);
      expect(cs.state.project('demo')).toMatchObject({ id: 'demo', name: 'Demo', clientRequestToken: 'tok' });
      expect(cs.calls('CreateProject')).toEqual([expect.objectContaining({ status: 200, fault: 'lostResponse', lost: true })]);
      expect(cs.mutatingCalls().map(c => c.operation)).toEqual(['CreateProject']);

      const again = await lossy.send(new CreateProjectCommand({ id: 'demo', name: 'Demo', clientRequestToken: 'tok' }));
      expect(again).toMatchObject({ id: 'demo', clientRequestToken: 'tok', arn: cs.state.project('demo')!.arn });
      expect(cs.calls('CreateProject')[1]).not.toHaveProperty('lost');
      expect(cs.state.projects()).toHaveLength(1);
    });

    test('AssociateTeamMember is applied but its answer is lost; a repeat with the same token succeeds', async () => {
      cs.state.seedProject({ id: 'demo' });
      const alice = userArn('alice');
      cs.faults.lostResponse({ operations: ['AssociateTeamMember'] });
      expectNetworkError(await errorOf(lossy.send(new AssociateTeamMemberCommand({
        projectId: 'demo', userArn: alice, projectRole: 'Viewer', clientRequestToken: 'm1',
      }))));
      expect(cs.state.teamMembers('demo').find(m => m.userArn === alice)).toMatchObject({ projectRole: 'Viewer', clientRequestToken: 'm1' });
      cs.faults.clear();
      expect(await lossy.send(new AssociateTeamMemberCommand({ projectId: 'demo', userArn: alice, projectRole: 'Viewer', clientRequestToken: 'm1' })))
        .toMatchObject({ clientRequestToken: 'm1' });
      expect((await errorOf(lossy.send(new AssociateTeamMemberCommand({ projectId: 'demo', userArn: alice, projectRole: 'Viewer', clientRequestToken: 'm2' })))).name)
        .toBe('TeamMemberAlreadyAssociatedException');
    });

    test('a call that fails is lost too, with the status it would have had; other operations are answered', async () => {
      cs.faults.lostResponse({ operations: ['DescribeProject'] });
      await lossy.send(new ListProjectsCommand({}));
      expectNetworkError(await errorOf(lossy.send(new DescribeProjectCommand({ id: 'nope' }))));
      expect(cs.calls('DescribeProject')[0]).toMatchObject({ status: 404, error: 'ProjectNotFoundException', lost: true });
      expect(cs.calls('ListProjects')[0]).not.toHaveProperty('fault');
    });

    test('times and skip count as for other kinds', async () => {
      const fault = cs.faults.lostResponse({ skip: 1, times: 2 });
      const outcomes: string[] = [];
      for (let i = 0; i < 4; i++) {
        outcomes.push(await lossy.send(new ListProjectsCommand({})).then(() => 'ok', () => 'lost'));
      }
      expect(outcomes).toEqual(['ok', 'lost', 'lost', 'ok']);
      expect(fault.fired).toBe(2);
      expect(cs.calls().map(c => c.lost === true)).toEqual([false, true, true, false]);
    });

    test('probability draws from the seeded RNG, reproducibly', async () => {
      async function run(seed: number): Promise<string[]> {
        const local = await startLocalCodeStar({ seed, faults: [{ kind: 'lostResponse', probability: 0.5 }] });
        const c = quiet(local.url);
        try {
          const outcomes: string[] = [];
          for (let i = 0; i < 12; i++) {
            outcomes.push(await c.send(new ListProjectsCommand({})).then(() => 'ok', () => 'lost'));
          }
          expect(local.calls().filter(x => x.lost).length).toBe(outcomes.filter(o => o === 'lost').length);
          return outcomes;
        } finally {
          c.destroy();
          await local.close();
        }
      }
      const a = await run(7);
      expect(await run(7)).toEqual(a);
      expect(a).toContain('ok');
      expect(a).toContain('lost');
    });
  });

  test('faults can be removed; reset clears them', async () => {
    const fault = cs.faults.throttle();
    fault.remove();
    await client.send(new ListProjectsCommand({}));
    cs.faults.throttle();
    cs.reset();
    await client.send(new ListProjectsCommand({}));
    expect(cs.calls()).toHaveLength(1);
  });
});

describe('state API', () => {
  test('seeds are validated against the model', () => {
    expect(() => cs.state.seedProject({ id: 'Bad Id' })).toThrow(/Value 'Bad Id' at 'id'/);
    expect(() => cs.state.seedUserProfile({ userArn: 'arn:aws:iam::1:user/x', displayName: 'x', emailAddress: 'x@y' })).toThrow(/at 'userArn'/);
  });

  test('a seeded project can have no owner and any state', async () => {
    cs.state.seedProject({ id: 'old', owner: null, state: 'UpdateFailed', reason: 'it broke' });
    expect(cs.state.teamMembers('old')).toEqual([]);
    expect((await client.send(new DescribeProjectCommand({ id: 'old' }))).status).toEqual({ state: 'UpdateFailed', reason: 'it broke' });
    cs.state.setProjectStatus('old', 'CreateComplete');
    expect(cs.state.project('old')!.status.state).toBe('CreateComplete');
  });

  test('what the state API returns is a copy', () => {
    cs.state.seedProject({ id: 'demo', name: 'Demo' });
    cs.state.project('demo')!.name = 'changed';
    expect(cs.state.project('demo')!.name).toBe('Demo');
  });

  test('time-based transitions follow the clock', async () => {
    let now = Date.parse('2024-01-01T00:00:00Z');
    const local = await startLocalCodeStar({ clock: () => new Date(now), transitions: { delayMs: 60_000 } });
    const c = codeStarClient(local.url);
    try {
      await c.send(new CreateProjectCommand({ id: 'slow', name: 'Slow' }));
      expect((await c.send(new DescribeProjectCommand({ id: 'slow' }))).status?.state).toBe('CreateInProgress');
      expect((await c.send(new DescribeProjectCommand({ id: 'slow' }))).status?.state).toBe('CreateInProgress');
      now += 60_000;
      const described = await c.send(new DescribeProjectCommand({ id: 'slow' }));
      expect(described.status?.state).toBe('CreateComplete');
      expect(described.createdTimeStamp).toEqual(new Date('2024-01-01T00:00:00Z'));
    } finally {
      c.destroy();
      await local.close();
    }
  });
});
