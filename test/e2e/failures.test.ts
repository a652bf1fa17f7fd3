import {
  DeleteProjectCommand, DeleteUserProfileCommand, DescribeProjectCommand, DisassociateTeamMemberCommand,
} from '@aws-sdk/client-codestar';
import { AppSpec, failed, ProjectSpec, STACK_NAME, succeeded, userArn, useE2E } from './helpers';
import { ProjectRole } from '../../src';

/**
 * Failures and rollbacks, end to end: whatever fails, CloudFormation's rollback must leave the
 * account exactly as it was before the deployment, and never touch what the stack does not own.
 */

const e2e = useE2E();
jest.setTimeout(60_000);

const ALICE_PROFILE = { user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.org' };

const project = (overrides: Partial<ProjectSpec> = {}): ProjectSpec => ({
  projectId: 'e2e-fail',
  name: 'Before',
  tags: { team: 'blue', cost: 'shared' },
  members: [{ user: 'alice', role: ProjectRole.VIEWER }],
  ...overrides,
});

async function deploy(spec: AppSpec) {
  return succeeded(await e2e.runner().deploy(e2e.synth(spec)), e2e.lines);
}

async function deployFailing(spec: AppSpec) {
  return failed(await e2e.runner().deploy(e2e.synth(spec)));
}

const nothingLeft = { projects: [], profiles: [] };

test('a foreign user profile: the deploy fails and rolls back; the foreign profile is untouched; nothing is left', async () => {
  const foreign = e2e.codestar.state.seedUserProfile({
    userArn: userArn('alice'), displayName: 'Alice (someone else\'s)', emailAddress: 'alice@elsewhere.example', sshPublicKey: 'ssh-rsa AAAAB3NzaC1yc2EForeignKey',
  });

  // The project is created first, so the rollback has something to delete.
  const result = await deployFailing({ projects: [project()], profiles: [{ ...ALICE_PROFILE, order: 'afterProjects' }] });

  expect(result.status).toBe('ROLLBACK_COMPLETE');
  expect(result.reason).toContain('A CodeStar user profile for arn:aws:iam::123456789012:user/#');
  expect(result.reason).toContain('already exists with other settings, and is not this resource\'s own, so it was left unchanged; '
    + 'to manage it from this stack, set adopt: true on the UserProfile');
  // Neither the declared personal data nor the foreign profile's appears in the reason.
  expect(result.reason).not.toMatch(/alice@example\.org|alice@elsewhere|Alice Example|someone else/);
  expect(e2e.codestar.state.userProfile(userArn('alice'))).toEqual(foreign);
  expect(e2e.codestar.calls('UpdateUserProfile')).toEqual([]);
  expect(e2e.codestar.calls('DeleteUserProfile')).toEqual([]);
  expect(await e2e.account()).toEqual({ projects: [], profiles: [{ userArn: userArn('alice'), displayName: foreign.displayName, emailAddress: foreign.emailAddress, sshPublicKey: foreign.sshPublicKey }] });
  expect(e2e.runner().readState().stacks).toEqual({});
});

test('a failed create (the project ends in CreateFailed) rolls back: nothing is left behind', async () => {
  // endpoint.reset() does not forget this (see the report): the id is this test's alone, and cleared after.
  e2e.codestar.state.failProjectCreation('e2e-broken', 'Stack awscodestar-e2e-broken failed: CodeCommit repository limit');

  try {
    // The profile is created first, so the rollback has something of its own to delete.
    const result = await deployFailing({ projects: [project({ projectId: 'e2e-broken' })], profiles: [{ ...ALICE_PROFILE, order: 'beforeProjects' }] });

    expect(result.status).toBe('ROLLBACK_COMPLETE');
    expect(result.reason).toContain('Project e2e-broken CreateFailed: Stack awscodestar-e2e-broken failed: CodeCommit repository limit');
  } finally {
    e2e.codestar.state.failProjectCreation('e2e-broken', undefined);
  }
  expect(e2e.mutations()).toEqual(['CreateUserProfile', 'CreateProject', 'DeleteProject', 'DeleteUserProfile']);
  // The failed project had a physical id, so it got a real Delete, with its CodeStar stack.
  expect(e2e.codestar.calls('DeleteProject').map(c => c.input)).toEqual([expect.objectContaining({ id: 'e2e-broken', deleteStack: true })]);
  expect(await e2e.account()).toEqual(nothingLeft);
  expect(e2e.runner().readState().stacks).toEqual({});
});

describe('a failed update rolls back to exactly the state before it', () => {
  const before = () => ({ projects: [project()], profiles: [ALICE_PROFILE] });
  const after = () => ({
    projects: [project({ name: 'After', tags: { team: 'red', stage: 'production' }, members: [{ user: 'alice', role: ProjectRole.CONTRIBUTOR }] })],
    profiles: [{ ...ALICE_PROFILE, displayName: 'Alice Renamed' }],
  });

  test.each([
    // The rename has been applied when TagProject fails, within the same request.
    ['TagProject', 'UpdateProject'],
    // The project (name and tags) has been updated when the member's update fails.
    ['UpdateTeamMember', 'UpdateProject, TagProject, UntagProject'],
  ] as const)('when %s fails (after %s succeeded)', async (operation, appliedFirst) => {
    await deploy(before());
    const original = await e2e.account();
    e2e.codestar.clearCalls();
    e2e.codestar.faults.error('ValidationException', { operations: [operation], times: 1, message: `Injected: ${operation} refused` });

    const result = await deployFailing(after());

    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(result.reason).toContain(`${operation} failed: ValidationException: Injected: ${operation} refused`);
    // The profile is independent of the project and its team: its update may come in any order.
    const forward = e2e.codestar.mutatingCalls().map(c => c.operation).filter(op => op !== 'UpdateUserProfile');
    expect(forward.slice(0, appliedFirst.split(', ').length).join(', ')).toBe(appliedFirst);
    expect(await e2e.account()).toEqual(original);
    expect(Object.values(e2e.runner().readState().stacks[STACK_NAME].resources).filter(r => !r.simulated).map(r => r.properties))
      .toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Before' }), expect.objectContaining({ projectRole: 'Viewer' })]));
  });
});

test('destroy succeeds when the resources were already deleted behind its back', async () => {
  await deploy({ projects: [project()], profiles: [ALICE_PROFILE] });
  await e2e.client.send(new DisassociateTeamMemberCommand({ projectId: 'e2e-fail', userArn: userArn('alice') }));
  await e2e.client.send(new DeleteUserProfileCommand({ userArn: userArn('alice') }));
  await e2e.client.send(new DeleteProjectCommand({ id: 'e2e-fail' }));
  // DeleteProject is asynchronous: the project is gone after the endpoint's transition.
  await expect(e2e.client.send(new DescribeProjectCommand({ id: 'e2e-fail' }))).resolves.toMatchObject({ status: { state: 'DeleteInProgress' } });
  await expect(e2e.client.send(new DescribeProjectCommand({ id: 'e2e-fail' }))).rejects.toMatchObject({ name: 'ProjectNotFoundException' });
  e2e.codestar.clearCalls();

  const result = await e2e.runner().destroy();

  expect(result.success).toBe(true);
  expect(result.stacks.map(s => [s.status, s.warnings])).toEqual([['DELETE_COMPLETE', []]]);
  expect(result.stacks[0].events.filter(e => e.status === 'DELETE_FAILED')).toEqual([]);
  // Each delete finds its resource gone, and takes that as success.
  expect(e2e.codestar.calls('DisassociateTeamMember').map(c => c.error)).toEqual(['ProjectNotFoundException']);
  expect(e2e.codestar.calls('DeleteUserProfile').map(c => c.status)).toEqual([200]);
  expect(e2e.codestar.calls('DeleteProject')).toEqual([]);
  expect(await e2e.account()).toEqual(nothingLeft);
  expect(e2e.runner().readState().stacks).toEqual({});
});
