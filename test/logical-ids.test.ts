import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { logicalIdOf } from './helpers';
import { CodeStarProject, ICodeStarProject, TeamMember, UserProfile } from '../src';
import {
  identityLogicalId, intrinsicIdentity, namedProjectIdentity, namedUserIdentity, ownedProjectIdentity, ownedUserIdentity, teamMemberIdentity,
  teamMemberLogicalId, userProfileLogicalId,
} from '../src/private/logical-ids';

/*
 * Golden tests of the logical ids of team members and user profiles. CloudFormation knows a deployed
 * resource by its logical id: an id that changed for any input would make the next deployment
 * replace the membership or profile, deleting the one the stack still declares. These values were
 * recorded from the derivation as released and must never change; a failure here means the
 * derivation changed, not that the expected values need updating.
 */

describe('logical ids from identities (src/private/logical-ids.ts)', () => {
  test.each([
    ['user/alice', 'user/alice'],
    ['user/210987654321/carol', namedUserIdentity('carol', '210987654321')],
    ['user@Stack/Dave', ownedUserIdentity('Stack/Dave')],
    ['project/my-app', namedProjectIdentity('my-app')],
    ['project@Stack/Project', ownedProjectIdentity('Stack/Project')],
    ['Stack:{"Ref":"UserArnParam"}', intrinsicIdentity('Stack', { Ref: 'UserArnParam' })],
    ['project/my-app|user/alice', teamMemberIdentity('project/my-app', 'user/alice')],
  ])('identity %s', (expected, actual) => {
    expect(actual).toEqual(expected);
  });

  test.each([
    ['user by name', 'project/my-app|user/alice', ['my-app', 'alice'], 'TeamMemberMyAppAliceDC720F80'],
    ['user by ARN with a path', 'project/my-app|user/bob', ['my-app', 'bob'], 'TeamMemberMyAppBobA6BEC7A4'],
    ['user by ARN of another account', 'project/my-app|user/210987654321/carol', ['my-app', 'carol'], 'TeamMemberMyAppCarolFFC42D33'],
    ['user of another account, env-agnostic stack', 'project/my-app|user/carol', ['my-app', 'carol'], 'TeamMemberMyAppCarol7B18F02F'],
    ['app-created user by path', 'project/my-app|user@Stack/Dave', ['my-app', 'Dave'], 'TeamMemberMyAppDaveE2122F19'],
    ['user from a CfnParameter', 'project/my-app|Stack:{"Ref":"UserArnParam"}', ['my-app'], 'TeamMemberMyApp24A9AA4B'],
    ['project by id', 'project/other-app|user/alice', ['other-app', 'alice'], 'TeamMemberOtherAppAlice4662E6B6'],
    ['project from a CfnParameter', 'Stack:{"Ref":"ProjectIdParam"}|user/alice', ['alice'], 'TeamMemberAlice157DF260'],
    ['both from CfnParameters', 'Stack:{"Ref":"ProjectIdParam"}|Stack:{"Ref":"UserArnParam"}', [], 'TeamMember93179AB8'],
  ])('team member: %s', (_, identity, readable, expected) => {
    expect(teamMemberLogicalId(identity, readable)).toEqual(expected);
    expect(identityLogicalId('TeamMember', identity, readable)).toEqual(expected);
  });

  test.each([
    ['user by name', 'user/alice', ['alice'], 'UserProfileAlice9CC8DB3A'],
    ['user by ARN with a path', 'user/bob', ['bob'], 'UserProfileBob5E35BFE5'],
    ['user by ARN of another account', 'user/210987654321/carol', ['carol'], 'UserProfileCarol736A9FF8'],
    ['user of another account, env-agnostic stack', 'user/carol', ['carol'], 'UserProfileCarolC9D7A336'],
    ['app-created user by path', 'user@Stack/Dave', ['Dave'], 'UserProfileDaveBCCFAE85'],
    ['user declared with a name', 'user/erin', ['erin'], 'UserProfileErinD20E84A8'],
    ['user from a CfnParameter', 'Stack:{"Ref":"UserArnParam"}', [], 'UserProfile99E02EBD'],
  ])('user profile: %s', (_, identity, readable, expected) => {
    expect(userProfileLogicalId(identity, readable)).toEqual(expected);
  });

  test('capitalises every word of a readable value and cuts the words at 200 characters', () => {
    const id = identityLogicalId('TeamMember', 'project/my-app|user/alice', ['my-app.v2', 'x'.repeat(300)]);
    expect(id).toEqual(`TeamMemberMyAppV2X${'x'.repeat(192)}DC720F80`);
  });

  test('the module imports nothing from aws-cdk-lib (it is part of the deployed contract)', () => {
    const source = fs.readFileSync(path.join(__dirname, '..', 'src', 'private', 'logical-ids.ts'), 'utf-8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map(m => m[1]);
    expect(imports).toEqual(['crypto']);
  });
});

/** The logical ids the constructs give members and profiles of fixed users and projects. */
function constructLogicalIds(envAgnostic: boolean): Record<string, string> {
  const app = new App();
  const stack = new Stack(app, 'Stack', envAgnostic ? {} : { env: { account: '123456789012', region: 'us-east-1' } });
  const projects: Record<string, ICodeStarProject> = {
    imported: CodeStarProject.fromProjectId(stack, 'Imported', 'my-app'),
    declared: new CodeStarProject(stack, 'Declared', { projectId: 'other-app', projectName: 'Other' }),
    parameter: CodeStarProject.fromProjectId(stack, 'ParamProject', new CfnParameter(stack, 'ProjectIdParam').valueAsString),
  };
  const users: Record<string, iam.IUser> = {
    byName: iam.User.fromUserName(stack, 'ByName', 'alice'),
    byArnPath: iam.User.fromUserArn(stack, 'ByArn', 'arn:aws:iam::123456789012:user/team/bob'),
    otherAccount: iam.User.fromUserArn(stack, 'Other', 'arn:aws:iam::210987654321:user/carol'),
    appCreated: new iam.User(stack, 'Dave'),
    declaredName: new iam.User(stack, 'Erin', { userName: 'erin' }),
    parameter: iam.User.fromUserArn(stack, 'Param', new CfnParameter(stack, 'UserArnParam').valueAsString),
  };
  const ids: Record<string, string> = {};
  for (const [userCase, user] of Object.entries(users)) {
    for (const [projectCase, project] of Object.entries(projects)) {
      ids[`member ${projectCase} ${userCase}`] = logicalIdOf(stack, new TeamMember(stack, `M-${userCase}-${projectCase}`, { project, user }));
    }
    ids[`profile ${userCase}`] = logicalIdOf(stack, new UserProfile(stack, `P-${userCase}`, { user, displayName: 'X', emailAddress: 'x@example.org' }));
  }
  return ids;
}

describe('logical ids of the constructs', () => {
  const common = {
    'member imported byName': 'TeamMemberMyAppAliceDC720F80',
    'member declared byName': 'TeamMemberOtherAppAlice4662E6B6',
    'member parameter byName': 'TeamMemberAlice157DF260',
    'profile byName': 'UserProfileAlice9CC8DB3A',
    'member imported byArnPath': 'TeamMemberMyAppBobA6BEC7A4',
    'member declared byArnPath': 'TeamMemberOtherAppBobE200A1DD',
    'member parameter byArnPath': 'TeamMemberBob8AF57B6B',
    'profile byArnPath': 'UserProfileBob5E35BFE5',
    'member imported appCreated': 'TeamMemberMyAppDaveE2122F19',
    'member declared appCreated': 'TeamMemberOtherAppDave8D329CD0',
    'member parameter appCreated': 'TeamMemberDave94BF57A8',
    'profile appCreated': 'UserProfileDaveBCCFAE85',
    'member imported declaredName': 'TeamMemberMyAppErinCD53D243',
    'member declared declaredName': 'TeamMemberOtherAppErin9C7D0856',
    'member parameter declaredName': 'TeamMemberErinCBBE0337',
    'profile declaredName': 'UserProfileErinD20E84A8',
    'member imported parameter': 'TeamMemberMyApp24A9AA4B',
    'member declared parameter': 'TeamMemberOtherApp1AF47B62',
    'member parameter parameter': 'TeamMember93179AB8',
    'profile parameter': 'UserProfile99E02EBD',
  };

  test('in a stack with an account: a user of another account is known with its account', () => {
    expect(constructLogicalIds(false)).toEqual({
      ...common,
      'member imported otherAccount': 'TeamMemberMyAppCarolFFC42D33',
      'member declared otherAccount': 'TeamMemberOtherAppCarol1F8275E2',
      'member parameter otherAccount': 'TeamMemberCarolAC8D50BE',
      'profile otherAccount': 'UserProfileCarol736A9FF8',
    });
  });

  test('in an env-agnostic stack: no account to compare with, so a user is known by its name only', () => {
    expect(constructLogicalIds(true)).toEqual({
      ...common,
      'member imported otherAccount': 'TeamMemberMyAppCarol7B18F02F',
      'member declared otherAccount': 'TeamMemberOtherAppCarol778B2D57',
      'member parameter otherAccount': 'TeamMemberCarol5F1EE59E',
      'profile otherAccount': 'UserProfileCarolC9D7A336',
    });
  });
});
