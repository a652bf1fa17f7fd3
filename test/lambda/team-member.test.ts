import {
  AssociateTeamMemberCommand,
  DisassociateTeamMemberCommand,
  ListTeamMembersCommand,
  UpdateTeamMemberCommand,
} from '@aws-sdk/client-codestar';
import {
  ACCOUNT,
  completionEvent,
  createEvent,
  deleteEvent,
  FRAMEWORK_CREATE_FAILED_MARKER,
  Harness,
  OTHER_USER_ARN,
  serviceError,
  STACK_ID,
  updateEvent,
  USER_ARN,
} from './harness';
import { maskUserArns } from '../../lambda/identifiers';
import { formatTeamMemberId, parseTeamMemberId, planTeamMemberUpdate, TeamMemberId } from '../../lambda/team-member';
import { membershipToken } from '../../lambda/tokens';
import { TEAM_MEMBER_RESOURCE_TYPE, TeamMemberProperties } from '../../src/private/contract';

const MEMBER: TeamMemberProperties = { projectId: 'my-proj', userArn: USER_ARN, projectRole: 'Contributor', remoteAccessAllowed: false };
const PHYSICAL_ID = `my-proj|${USER_ARN}`;
const ADOPTED_ID = `my-proj|${USER_ARN}|adopted:Owner:true`;
const DATA = { ProjectId: 'my-proj', UserArn: USER_ARN };
/** The resource every event of these tests is for (the harness's stack, logical id 'Resource'). */
const RESOURCE = { stackId: STACK_ID, logicalResourceId: 'Resource' };
const ALREADY_ASSOCIATED = () => serviceError('TeamMemberAlreadyAssociatedException', 'already associated');

let harness: Harness;
beforeEach(() => {
  harness = new Harness();
});
afterEach(() => {
  harness.expectNoUnexpectedCalls();
});

describe('create', () => {
  test('associates the user with the membership token of this resource, project and user', async () => {
    // GIVEN
    harness.codestar.on(AssociateTeamMemberCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: DATA });
    expect(harness.codestar.commandCalls(AssociateTeamMemberCommand)[0].args[0].input).toStrictEqual({
      projectId: 'my-proj',
      userArn: USER_ARN,
      projectRole: 'Contributor',
      remoteAccessAllowed: false,
      clientRequestToken: membershipToken(RESOURCE, 'my-proj', USER_ARN),
    });
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
  });

  test.each([
    ['a redelivery (same RequestId)', 'request-1'],
    ['a retry after a lost response (new RequestId)', 'request-2'],
  ])('%s sends the same token; the repeat\'s success means our own membership: no adopted suffix', async (_case, requestId) => {
    harness.codestar.on(AssociateTeamMemberCommand).resolves({});

    const first = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));
    const second = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER, { requestId }));

    const tokens = harness.codestar.commandCalls(AssociateTeamMemberCommand).map(call => call.args[0].input.clientRequestToken);
    expect(tokens).toEqual([membershipToken(RESOURCE, 'my-proj', USER_ARN), membershipToken(RESOURCE, 'my-proj', USER_ARN)]);
    expect(second).toEqual(first);
    expect(second).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: DATA });
    expect(harness.codestarCalls()).toEqual(['AssociateTeamMember', 'AssociateTeamMember']);
  });

  test('TeamMemberAlreadyAssociated (a membership we did not make) is adopted: converged, and its original settings kept in the physical id', async () => {
    // GIVEN the user created the project, so CodeStar made them Owner with remote access; the list has two pages
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(ALREADY_ASSOCIATED())
      .on(ListTeamMembersCommand, { projectId: 'my-proj', nextToken: undefined }).resolves({
        teamMembers: [{ userArn: OTHER_USER_ARN, projectRole: 'Viewer' }],
        nextToken: 'page2',
      })
      .on(ListTeamMembersCommand, { projectId: 'my-proj', nextToken: 'page2' }).resolves({
        teamMembers: [{ userArn: USER_ARN, projectRole: 'Owner', remoteAccessAllowed: true }],
      })
      .on(UpdateTeamMemberCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: ADOPTED_ID, Data: DATA });
    expect(harness.codestar.commandCalls(UpdateTeamMemberCommand)[0].args[0].input).toStrictEqual({
      projectId: 'my-proj',
      userArn: USER_ARN,
      projectRole: 'Contributor',
      remoteAccessAllowed: false,
    });
  });

  test('an adopted membership that already has the declared settings is not updated', async () => {
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(ALREADY_ASSOCIATED())
      .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn: USER_ARN, projectRole: 'Contributor' }] });

    const result = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    expect(result.PhysicalResourceId).toBe(`my-proj|${USER_ARN}|adopted:Contributor:false`);
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
  });

  test('a membership reported as existing but not listed fails clearly', async () => {
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(ALREADY_ASSOCIATED())
      .on(ListTeamMembersCommand).resolves({ teamMembers: [] });

    const error = await harness.onEventError(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    // The reason names the user by a hash of the name: user names are often e-mail addresses.
    expect(error.message).toBe(`${maskUserArns(USER_ARN)} is not a team member of project my-proj, although CodeStar reported it as one`);
    expect(error.message).not.toContain('alice');
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
  });

  test('a missing project fails with the service message', async () => {
    harness.codestar.on(AssociateTeamMemberCommand).rejects(serviceError('ProjectNotFoundException', 'Project my-proj not found', 404));

    const error = await harness.onEventError(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    expect(error.message).toBe('AssociateTeamMember failed: ProjectNotFoundException: Project my-proj not found');
  });
});

describe('update', () => {
  test('a no-op update makes no call', async () => {
    const result = await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, PHYSICAL_ID, MEMBER, MEMBER));

    expect(result).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: DATA });
    expect(harness.codestarCalls()).toEqual([]);
  });

  test('a role change sends UpdateTeamMember with the role only', async () => {
    harness.codestar.on(UpdateTeamMemberCommand).resolves({});

    await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, PHYSICAL_ID, { ...MEMBER, projectRole: 'Viewer' }, MEMBER));

    expect(harness.codestar.commandCalls(UpdateTeamMemberCommand)[0].args[0].input).toStrictEqual({
      projectId: 'my-proj',
      userArn: USER_ARN,
      projectRole: 'Viewer',
    });
  });

  test('the rollback of a role change (old and new swapped) restores the role', async () => {
    harness.codestar.on(UpdateTeamMemberCommand).resolves({});

    await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, PHYSICAL_ID, MEMBER, { ...MEMBER, projectRole: 'Viewer' }));

    expect(harness.codestar).toHaveReceivedCommandWith(UpdateTeamMemberCommand, { projectRole: 'Contributor' });
  });

  test('an adopted membership keeps its physical id (and so its original settings) across an update', async () => {
    harness.codestar.on(UpdateTeamMemberCommand).resolves({});

    const result = await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, ADOPTED_ID, { ...MEMBER, remoteAccessAllowed: true }, MEMBER));

    expect(result.PhysicalResourceId).toBe(ADOPTED_ID);
    expect(harness.codestar.commandCalls(UpdateTeamMemberCommand)[0].args[0].input).toStrictEqual({
      projectId: 'my-proj',
      userArn: USER_ARN,
      remoteAccessAllowed: true,
    });
  });

  test.each([
    ['another user', { ...MEMBER, userArn: OTHER_USER_ARN }, `my-proj|${OTHER_USER_ARN}`],
    ['another project', { ...MEMBER, projectId: 'other-proj' }, `other-proj|${USER_ARN}`],
  ])('%s replaces: the new membership is associated under a new physical id', async (_case, desired, expectedId) => {
    harness.codestar.on(AssociateTeamMemberCommand).resolves({});

    const result = await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, PHYSICAL_ID, desired, MEMBER));

    expect(result.PhysicalResourceId).toBe(expectedId);
    expect(harness.codestar).toHaveReceivedCommandWith(AssociateTeamMemberCommand, { projectId: desired.projectId, userArn: desired.userArn });
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
  });

  test('the rollback of a replacement (p1 -> p2) finds its own p1 membership by its token and returns the original id', async () => {
    // GIVEN the forward update replaced my-proj's membership by other-proj's; CloudFormation sends
    // my-proj's properties to other-proj's physical id, and CodeStar answers the repeat of our token with success
    const P2_ID = `other-proj|${USER_ARN}`;
    harness.codestar
      .on(AssociateTeamMemberCommand, { projectId: 'my-proj' }).resolves({})
      .on(DisassociateTeamMemberCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, P2_ID, MEMBER, { ...MEMBER, projectId: 'other-proj' }, { requestId: 'rollback' }));

    // THEN the original physical id, without an adopted suffix: the membership is ours
    expect(result).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: DATA });
    expect(harness.codestar).toHaveReceivedCommandWith(AssociateTeamMemberCommand, {
      projectId: 'my-proj',
      userArn: USER_ARN,
      clientRequestToken: membershipToken(RESOURCE, 'my-proj', USER_ARN),
    });
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);

    // AND a following Delete of that id (when the stack later removes the member) disassociates it
    await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, result.PhysicalResourceId!, MEMBER));
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember', 'DisassociateTeamMember']);
    expect(harness.codestar).toHaveReceivedCommandWith(DisassociateTeamMemberCommand, { projectId: 'my-proj', userArn: USER_ARN });
  });

  test('old properties that no longer parse: the update is planned against the live membership', async () => {
    harness.codestar
      .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn: USER_ARN, projectRole: 'Viewer', remoteAccessAllowed: false }] })
      .on(UpdateTeamMemberCommand).resolves({});

    await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, PHYSICAL_ID, MEMBER, { ...MEMBER, remoteAccessAllowed: 'yes' }));

    expect(harness.codestar.commandCalls(UpdateTeamMemberCommand)[0].args[0].input).toStrictEqual({
      projectId: 'my-proj',
      userArn: USER_ARN,
      projectRole: 'Contributor',
    });
  });
});

describe('delete', () => {
  test('disassociates a membership we created', async () => {
    harness.codestar.on(DisassociateTeamMemberCommand).resolves({});

    expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, PHYSICAL_ID, MEMBER))).toEqual({});

    expect(harness.codestar.commandCalls(DisassociateTeamMemberCommand)[0].args[0].input).toEqual({ projectId: 'my-proj', userArn: USER_ARN });
    expect(harness.mutatingCalls()).toEqual(['DisassociateTeamMember']);
  });

  test('restores an adopted membership to its original settings instead of removing it', async () => {
    harness.codestar.on(UpdateTeamMemberCommand).resolves({});

    await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, ADOPTED_ID, MEMBER));

    expect(harness.mutatingCalls()).toEqual(['UpdateTeamMember']);
    expect(harness.codestar.commandCalls(UpdateTeamMemberCommand)[0].args[0].input).toStrictEqual({
      projectId: 'my-proj',
      userArn: USER_ARN,
      projectRole: 'Owner',
      remoteAccessAllowed: true,
    });
  });

  test.each([
    ['ProjectNotFoundException', DisassociateTeamMemberCommand, PHYSICAL_ID],
    ['TeamMemberNotFoundException', DisassociateTeamMemberCommand, PHYSICAL_ID],
    ['ProjectNotFoundException', UpdateTeamMemberCommand, ADOPTED_ID],
    ['TeamMemberNotFoundException', UpdateTeamMemberCommand, ADOPTED_ID],
  ])('%s from %p is success', async (name, command, physicalId) => {
    harness.codestar.on(command).rejects(serviceError(name, 'not found', 404));

    expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, physicalId, MEMBER))).toEqual({});
  });

  test('other errors fail the delete', async () => {
    harness.codestar.on(DisassociateTeamMemberCommand).rejects(serviceError('InvalidServiceRoleException', 'The service role is not valid'));

    const error = await harness.onEventError(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, PHYSICAL_ID, MEMBER));

    expect(error.message).toBe('DisassociateTeamMember failed: InvalidServiceRoleException: The service role is not valid');
  });

  describe('a physical id the handler never returned (a cancelled create)', () => {
    const MADE_UP = [FRAMEWORK_CREATE_FAILED_MARKER, 'E2E-Member-1A2B3C4D5E6F', 'request-1', 'my-proj', `my-proj|${USER_ARN}|adopted:Admin:true`];

    test.each(MADE_UP)('%s, the user not a member: no mutating call', async physicalId => {
      harness.codestar.on(ListTeamMembersCommand, { projectId: 'my-proj' }).resolves({ teamMembers: [{ userArn: OTHER_USER_ARN, projectRole: 'Owner' }] });

      expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, physicalId, MEMBER))).toEqual({});

      expect(harness.codestarCalls()).toEqual(['ListTeamMembers']);
      expect(harness.mutatingCalls()).toEqual([]);
    });

    test.each(MADE_UP)('%s, a member, and the repeat of our AssociateTeamMember succeeds (ours): disassociated', async physicalId => {
      harness.codestar
        .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn: USER_ARN, projectRole: 'Contributor' }] })
        .on(AssociateTeamMemberCommand).resolves({})
        .on(DisassociateTeamMemberCommand).resolves({});

      expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, physicalId, MEMBER))).toEqual({});

      expect(harness.codestarCalls()).toEqual(['ListTeamMembers', 'AssociateTeamMember', 'DisassociateTeamMember']);
      expect(harness.codestar).toHaveReceivedCommandWith(AssociateTeamMemberCommand, { clientRequestToken: membershipToken(RESOURCE, 'my-proj', USER_ARN) });
      expect(harness.codestar.commandCalls(DisassociateTeamMemberCommand)[0].args[0].input).toStrictEqual({ projectId: 'my-proj', userArn: USER_ARN });
    });

    test.each(MADE_UP)('%s, a member, and the repeat answers AlreadyAssociated (foreign): left alone', async physicalId => {
      harness.codestar
        .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn: USER_ARN, projectRole: 'Owner', remoteAccessAllowed: true }] })
        .on(AssociateTeamMemberCommand).rejects(ALREADY_ASSOCIATED());

      expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, physicalId, MEMBER))).toEqual({});

      expect(harness.codestar).toHaveReceivedCommandTimes(DisassociateTeamMemberCommand, 0);
      expect(harness.codestar).toHaveReceivedCommandTimes(UpdateTeamMemberCommand, 0);
      expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
    });

    test('the project gone: no mutating call', async () => {
      harness.codestar.on(ListTeamMembersCommand).rejects(serviceError('ProjectNotFoundException', 'not found', 404));

      expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, FRAMEWORK_CREATE_FAILED_MARKER, MEMBER))).toEqual({});
      expect(harness.mutatingCalls()).toEqual([]);
    });

    test.each<[string, object]>([
      ['properties that do not parse', { ...MEMBER, remoteAccessAllowed: 'maybe' }],
      ['a declared project id that is no project id', { ...MEMBER, projectId: 'Not A Project' }],
      ['a declared user that is no user ARN', { ...MEMBER, userArn: 'arn:aws:iam::123456789012:role/r' }],
    ])('%s: no call at all', async (_case, properties) => {
      expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, FRAMEWORK_CREATE_FAILED_MARKER, properties))).toEqual({});
      expect(harness.codestarCalls()).toEqual([]);
    });

    test('other errors fail the delete', async () => {
      harness.codestar.on(ListTeamMembersCommand).rejects(serviceError('AccessDeniedException', 'not allowed'));

      const error = await harness.onEventError(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, FRAMEWORK_CREATE_FAILED_MARKER, MEMBER));

      expect(error.message).toBe('ListTeamMembers failed: AccessDeniedException: not allowed');
      expect(harness.mutatingCalls()).toEqual([]);
    });
  });
});

test('isComplete is complete at once, without a call', async () => {
  const event = completionEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER), { PhysicalResourceId: PHYSICAL_ID, Data: DATA });

  expect(await harness.isComplete(event)).toEqual({ IsComplete: true });
  expect(harness.codestarCalls()).toEqual([]);
});

describe('physical ids', () => {
  const PATH_USER = `arn:aws:iam::${ACCOUNT}:user/team|a/b/carol`;

  test.each<[string, TeamMemberId]>([
    [PHYSICAL_ID, { projectId: 'my-proj', userArn: USER_ARN }],
    [ADOPTED_ID, { projectId: 'my-proj', userArn: USER_ARN, adopted: { projectRole: 'Owner', remoteAccessAllowed: true } }],
    [`p2|${PATH_USER}`, { projectId: 'p2', userArn: PATH_USER }],
    [`p2|${PATH_USER}|adopted:Viewer:false`, { projectId: 'p2', userArn: PATH_USER, adopted: { projectRole: 'Viewer', remoteAccessAllowed: false } }],
  ])('%s round-trips', (physicalId, id) => {
    expect(parseTeamMemberId(physicalId)).toEqual(id);
    expect(formatTeamMemberId(id)).toBe(physicalId);
  });

  test.each([
    FRAMEWORK_CREATE_FAILED_MARKER,
    '',
    'my-proj',
    `|${USER_ARN}`,
    `My-Proj|${USER_ARN}`,
    'my-proj|arn:aws:iam::123456789012:role/not-a-user',
    `my-proj|${USER_ARN}|adopted:Owner`,
    `my-proj|${USER_ARN}|adopted:Owner:yes`,
  ])('%p is not a membership id', physicalId => {
    expect(parseTeamMemberId(physicalId)).toBeUndefined();
  });
});

describe('planTeamMemberUpdate', () => {
  test.each<[string, Partial<TeamMemberProperties>, Partial<TeamMemberProperties>, object | undefined]>([
    ['nothing changed', {}, {}, undefined],
    ['absent remote access equals false', { remoteAccessAllowed: undefined }, { remoteAccessAllowed: false }, undefined],
    ['role', {}, { projectRole: 'Owner' }, { projectRole: 'Owner' }],
    ['remote access granted', {}, { remoteAccessAllowed: true }, { remoteAccessAllowed: true }],
    ['remote access dropped from the properties', { remoteAccessAllowed: true }, { remoteAccessAllowed: undefined }, { remoteAccessAllowed: false }],
    ['both', {}, { projectRole: 'Viewer', remoteAccessAllowed: true }, { projectRole: 'Viewer', remoteAccessAllowed: true }],
  ])('%s', (_case, current, desired, expected) => {
    const plan = planTeamMemberUpdate({ ...MEMBER, ...current }, { ...MEMBER, ...desired });

    expect(plan).toStrictEqual(expected === undefined ? undefined : { projectId: 'my-proj', userArn: USER_ARN, ...expected });
  });
});
