import { AppSpec, ProjectSpec, STACK_NAME, succeeded, unexpectedWarnings, userArn, useE2E } from './helpers';
import { ProjectRole } from '../../src';

/**
 * Deploy, update and destroy through CloudFormation's lifecycle: the real handler bundle, the real
 * SDK over HTTP, the local endpoint and the lifecycle runner. Each test checks both what the
 * account holds afterwards (through the List operations) and exactly which mutating calls it took.
 */

const e2e = useE2E();
jest.setTimeout(60_000);

const project = (overrides: Partial<ProjectSpec> = {}): ProjectSpec => ({
  projectId: 'e2e-app',
  name: 'E2E App',
  description: 'An app deployed end to end',
  tags: { team: 'blue', cost: 'shared' },
  members: [{ user: 'alice', role: ProjectRole.OWNER, remoteAccessAllowed: true }, { user: 'bob', role: ProjectRole.VIEWER }],
  ...overrides,
});

const app = (overrides: Partial<ProjectSpec> = {}): AppSpec => ({
  projects: [project(overrides)],
  profiles: [{ user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.org', sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eAliceTestKey alice' }],
});

/** Deploys one version of the app and answers its stack result. */
async function deploy(spec: AppSpec, options: Parameters<typeof e2e.runner>[0] = {}) {
  return succeeded(await e2e.runner(options).deploy(e2e.synth(spec)), e2e.lines);
}

/** Deploys the first version, then clears the call log so the test sees only what comes next. */
async function deployed(spec: AppSpec = app()) {
  await deploy(spec);
  e2e.codestar.clearCalls();
}

const caller = () => ({ userArn: e2e.codestar.callerUserArn, projectRole: 'Owner', remoteAccessAllowed: false });

test('create: the project, its team and the profile exist as declared; destroy removes them all', async () => {
  const result = await deploy(app());

  expect(result.status).toBe('CREATE_COMPLETE');
  expect(await e2e.account()).toEqual({
    projects: [{
      id: 'e2e-app',
      name: 'E2E App',
      description: 'An app deployed end to end',
      state: 'CreateComplete',
      tags: { team: 'blue', cost: 'shared' },
      members: [
        { userArn: userArn('alice'), projectRole: 'Owner', remoteAccessAllowed: true },
        { userArn: userArn('bob'), projectRole: 'Viewer', remoteAccessAllowed: false },
        caller(),
      ].sort((a, b) => a.userArn.localeCompare(b.userArn)),
    }],
    profiles: [{
      userArn: userArn('alice'),
      displayName: 'Alice Example',
      emailAddress: 'alice@example.org',
      sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2eAliceTestKey alice',
    }],
  });
  // The members wait for their project, and the remote-access member for its user's profile; the
  // project and the profile are independent of each other, in any order.
  const mutations = e2e.mutations();
  expect([...mutations.slice(0, 2)].sort()).toEqual(['CreateProject', 'CreateUserProfile']);
  expect(mutations.slice(2)).toEqual(['AssociateTeamMember', 'AssociateTeamMember']);
  // Personal data and the sensitive name never reach the runner's output or the handler's log.
  expect(e2e.handlerLogs.length).toBeGreaterThan(0);
  expect(e2e.lines.join('\n')).not.toMatch(/alice@example\.org|Alice Example|E2E App|AliceTestKey/);
  expect(e2e.handlerLogs.join('\n')).not.toMatch(/alice@example\.org|Alice Example|E2E App|AliceTestKey/);

  const destroyed = await e2e.runner().destroy();
  expect(destroyed.success).toBe(true);
  expect(destroyed.stacks.map(s => s.status)).toEqual(['DELETE_COMPLETE']);
  expect(await e2e.account()).toEqual({ projects: [], profiles: [] });
  expect(e2e.runner().readState().stacks).toEqual({});
});

test('redelivered create: every request twice with the same RequestId still makes one project with one token', async () => {
  const result = await deploy(app(), { redeliver: true });

  // Only the profile's second answer differs (it cannot prove the profile is its own: README "What the handler may touch").
  expect(result.warnings).toHaveLength(1);
  expect(unexpectedWarnings(result)).toEqual([]);
  const creates = e2e.codestar.calls('CreateProject');
  expect(creates.map(c => c.status)).toEqual([200, 200]);
  const tokens = new Set(creates.map(c => c.input.clientRequestToken));
  expect(tokens.size).toBe(1);
  const [token] = tokens;
  expect(e2e.codestar.state.projects().map(p => [p.id, p.clientRequestToken])).toEqual([['e2e-app', token]]);
  // The memberships too: one token per membership, each sent twice, each membership once.
  const associations = e2e.codestar.calls('AssociateTeamMember');
  expect(associations.map(c => c.status)).toEqual([200, 200, 200, 200]);
  expect(new Set(associations.map(c => `${c.input.userArn} ${c.input.clientRequestToken}`)).size).toBe(2);
  // CreateUserProfile has no token: the second attempt finds the profile, and takes it for one that existed before.
  expect(e2e.codestar.calls('CreateUserProfile').map(c => c.error ?? 'ok')).toEqual(['ok', 'UserProfileAlreadyExistsException']);
  const account = await e2e.account();
  expect(account.projects.map(p => [p.id, p.members.length])).toEqual([['e2e-app', 3]]);
  expect(account.profiles).toHaveLength(1);
});

test('no-op update: redeploying the same app changes nothing and calls nothing', async () => {
  await deployed();

  const result = await deploy(app());

  expect(result.noChanges).toBe(true);
  expect(e2e.codestar.calls()).toEqual([]);
});

test('no-op update: a property change that CodeStar does not hold reaches the handler, which makes no mutating call', async () => {
  await deployed();
  const before = await e2e.account();
  e2e.codestar.clearCalls();

  const result = await deploy(app({ deleteProjectStack: true }));

  expect(result.status).toBe('UPDATE_COMPLETE');
  expect(result.events.filter(e => e.status === 'UPDATE_COMPLETE').map(e => e.logicalId)).toEqual([expect.stringMatching(/^Project/)]);
  expect(e2e.mutations()).toEqual([]);
  e2e.codestar.clearCalls();
  expect(await e2e.account()).toEqual(before);
});

test('tag-only update: one TagProject for added and changed tags, one UntagProject for removed keys', async () => {
  await deployed();

  await deploy(app({ tags: { team: 'red', stage: 'production' } }));

  expect(e2e.mutations()).toEqual(['TagProject', 'UntagProject']);
  expect(e2e.codestar.calls('TagProject')[0].input.tags).toEqual({ team: 'red', stage: 'production' });
  expect(e2e.codestar.calls('UntagProject')[0].input.tags).toEqual(['cost']);
  expect((await e2e.account()).projects[0].tags).toEqual({ team: 'red', stage: 'production' });
});

test('rename: only UpdateProject', async () => {
  await deployed();

  await deploy(app({ name: 'E2E App (renamed)' }));

  expect(e2e.mutations()).toEqual(['UpdateProject']);
  const [renamed] = (await e2e.account()).projects;
  expect([renamed.name, renamed.description, renamed.tags]).toEqual(['E2E App (renamed)', 'An app deployed end to end', { team: 'blue', cost: 'shared' }]);
});

test('project id change: the new project is created (with the team), then the old one is deleted', async () => {
  await deployed();

  const result = await deploy(app({ projectId: 'e2e-next' }));

  expect(result.status).toBe('UPDATE_COMPLETE');
  const calls = e2e.codestar.mutatingCalls().map(c => `${c.operation} ${c.input.id ?? c.input.projectId ?? ''}`.trim());
  expect(calls).toEqual([
    'CreateProject e2e-next',
    'AssociateTeamMember e2e-next',
    'AssociateTeamMember e2e-next',
    // Cleanup: the replaced memberships, then the replaced project.
    'DisassociateTeamMember e2e-app',
    'DisassociateTeamMember e2e-app',
    'DeleteProject e2e-app',
  ]);
  const account = await e2e.account();
  expect(account.projects.map(p => [p.id, p.name, p.members.map(m => m.userArn)])).toEqual([
    ['e2e-next', 'E2E App', [userArn('alice'), userArn('bob'), e2e.codestar.callerUserArn]],
  ]);
  expect(e2e.runner().readState().stacks[STACK_NAME].resources).toMatchObject({
    [result.events.find(e => e.resourceType === 'Custom::CodeStarProject')!.logicalId]: { physicalResourceId: 'e2e-next' },
  });
});

test('member role change: only UpdateTeamMember, with only the role', async () => {
  await deployed();

  await deploy(app({ members: [{ user: 'alice', role: ProjectRole.OWNER, remoteAccessAllowed: true }, { user: 'bob', role: ProjectRole.CONTRIBUTOR }] }));

  expect(e2e.mutations()).toEqual(['UpdateTeamMember']);
  expect(e2e.codestar.calls('UpdateTeamMember')[0].input).toEqual({ projectId: 'e2e-app', userArn: userArn('bob'), projectRole: 'Contributor' });
  expect((await e2e.account()).projects[0].members.find(m => m.userArn === userArn('bob'))).toEqual({
    userArn: userArn('bob'), projectRole: 'Contributor', remoteAccessAllowed: false,
  });
});

test('the creator\'s Owner membership is adopted when declared, and restored (not removed) on destroy', async () => {
  // The endpoint's caller creates the project and so becomes its Owner; the app declares the same
  // user as a Contributor and keeps the project when the stack goes.
  const creator = e2e.codestar.callerUserArn.split('/').pop()!;
  const spec = app({ retain: true, members: [{ user: creator, role: ProjectRole.CONTRIBUTOR, remoteAccessAllowed: true }] });

  const result = await deploy({ projects: spec.projects });

  const member = result.events.find(e => e.resourceType === 'Custom::CodeStarTeamMember' && e.status === 'CREATE_COMPLETE')!;
  expect(member.physicalResourceId).toBe(`e2e-app|${e2e.codestar.callerUserArn}|adopted:Owner:false`);
  expect(e2e.codestar.calls('AssociateTeamMember').map(c => c.error)).toEqual(['TeamMemberAlreadyAssociatedException']);
  expect((await e2e.account()).projects[0].members).toEqual([{ userArn: e2e.codestar.callerUserArn, projectRole: 'Contributor', remoteAccessAllowed: true }]);
  e2e.codestar.clearCalls();

  expect((await e2e.runner().destroy()).success).toBe(true);

  // Not disassociated: put back as it was. The project is retained, so it is still there to see.
  expect(e2e.mutations()).toEqual(['UpdateTeamMember']);
  const account = await e2e.account();
  expect(account.projects.map(p => [p.id, p.members])).toEqual([['e2e-app', [caller()]]]);
});
