import { AppSpec, MemberSpec, ProfileSpec, succeeded, userArn, useE2E } from './helpers';
import { ProjectRole } from '../../src';

const e2e = useE2E();
jest.setTimeout(60_000);

const ALICE_PROFILE: ProfileSpec = { user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.org' };

/**
 * A team member or user profile whose construct is renamed, moved or reindexed stands for the same
 * membership or profile: its logical id comes from its project and user (src/private/identity.ts),
 * so the deployment changes nothing. With construct-path ids CloudFormation created a "new" resource
 * (the handler adopted the existing membership or profile) and then deleted the "old" one, removing
 * what the stack still declared, and reported UPDATE_COMPLETE.
 */
describe('a member or profile whose construct is renamed or reindexed survives the deployment', () => {
  const withMembers = (members: MemberSpec[], profiles: ProfileSpec[] = []): AppSpec =>
    ({ projects: [{ projectId: 'e2e-moves', name: 'Moves', members }], profiles });
  const bob = (key: string): MemberSpec => ({ user: 'bob', role: ProjectRole.CONTRIBUTOR, key });

  async function update(from: AppSpec, to: AppSpec) {
    succeeded(await e2e.runner().deploy(e2e.synth(from)), e2e.lines);
    return succeeded(await e2e.runner().deploy(e2e.synth(to)), e2e.lines);
  }

  test('a renamed TeamMember construct', async () => {
    await update(withMembers([bob('Bob')]), withMembers([bob('BobTheBuilder')]));

    expect((await e2e.account()).projects[0].members.map(m => m.userArn)).toContain(userArn('bob'));
  });

  test('members declared by index, after the first is removed', async () => {
    const byIndex = (users: string[]) => users.map((user, i) => ({ user, role: ProjectRole.VIEWER, key: `Member${i}` }));

    await update(withMembers(byIndex(['u0', 'u1', 'u2'])), withMembers(byIndex(['u1', 'u2'])));

    expect((await e2e.account()).projects[0].members.map(m => m.userArn))
      .toEqual([e2e.codestar.callerUserArn, userArn('u1'), userArn('u2')].sort());
  });

  test('a renamed UserProfile construct', async () => {
    await update(withMembers([], [{ ...ALICE_PROFILE, key: 'Alice' }]), withMembers([], [{ ...ALICE_PROFILE, key: 'AliceProfile' }]));

    expect((await e2e.account()).profiles.map(p => p.userArn)).toEqual([userArn('alice')]);
  });
});
