import { AppSpec, MemberSpec, ProfileSpec, succeeded, userArn, useE2E } from './helpers';
import { ProjectRole } from '../../src';

/**
 * Confirmed bugs in the handler, each shown end to end by the test that should pass and does not.
 * `test.failing` keeps the suite green while the bug is there and turns red once it is fixed: then
 * make it a plain `test`.
 */

const e2e = useE2E();
jest.setTimeout(60_000);

const ALICE_PROFILE: ProfileSpec = { user: 'alice', displayName: 'Alice Example', emailAddress: 'alice@example.org' };

/**
 * lambda/team-member.ts `associate` and lambda/user-profile.ts `create` take a membership or profile
 * that already exists for an existing one (adopt it, or call it "our own earlier attempt"), even
 * when it belongs to another resource of the same stack that this very deployment removes: the
 * cleanup then deletes the old resource's physical id, which is the same membership or profile.
 * The deployment reports UPDATE_COMPLETE with no warning, and the stack declares what is gone.
 */
describe('a member or profile that moves to another logical id survives the deployment', () => {
  const withMembers = (members: MemberSpec[], profiles: ProfileSpec[] = []): AppSpec =>
    ({ projects: [{ projectId: 'e2e-moves', name: 'Moves', members }], profiles });
  const bob = (key: string): MemberSpec => ({ user: 'bob', role: ProjectRole.CONTRIBUTOR, key });

  async function update(from: AppSpec, to: AppSpec) {
    succeeded(await e2e.runner().deploy(e2e.synth(from)), e2e.lines);
    return succeeded(await e2e.runner().deploy(e2e.synth(to)), e2e.lines);
  }

  test.failing('a renamed TeamMember construct', async () => {
    await update(withMembers([bob('Bob')]), withMembers([bob('BobTheBuilder')]));

    // Today: bob is no longer on the team.
    expect((await e2e.account()).projects[0].members.map(m => m.userArn)).toContain(userArn('bob'));
  });

  test.failing('members declared by index, after the first is removed', async () => {
    const byIndex = (users: string[]) => users.map((user, i) => ({ user, role: ProjectRole.VIEWER, key: `Member${i}` }));

    await update(withMembers(byIndex(['u0', 'u1', 'u2'])), withMembers(byIndex(['u1', 'u2'])));

    // Today: u1 and u2 are gone as well; only the project's creator is left.
    expect((await e2e.account()).projects[0].members.map(m => m.userArn))
      .toEqual([e2e.codestar.callerUserArn, userArn('u1'), userArn('u2')].sort());
  });

  test.failing('a renamed UserProfile construct', async () => {
    await update(withMembers([], [{ ...ALICE_PROFILE, key: 'Alice' }]), withMembers([], [{ ...ALICE_PROFILE, key: 'AliceProfile' }]));

    // Today: the profile has been deleted.
    expect((await e2e.account()).profiles.map(p => p.userArn)).toEqual([userArn('alice')]);
  });
});
