import { createHash } from 'crypto';
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
import { formatTeamMemberId, parseTeamMemberId, planTeamMemberUpdate, TeamMemberId } from '../../lambda/team-member';
import { TEAM_MEMBER_RESOURCE_TYPE, TeamMemberProperties } from '../../src/private/contract';

const MEMBER: TeamMemberProperties = { projectId: 'my-proj', userArn: USER_ARN, projectRole: 'Contributor', remoteAccessAllowed: false };
const PHYSICAL_ID = `my-proj|${USER_ARN}`;
const ADOPTED_ID = `my-proj|${USER_ARN}|adopted:Owner:true`;
const DATA = { ProjectId: 'my-proj', UserArn: USER_ARN };

let harness: Harness;
beforeEach(() => {
  harness = new Harness();
});
afterEach(() => {
  harness.expectNoUnexpectedCalls();
});

describe('create', () => {
  test('associates the user with a token derived from the event', async () => {
    // GIVEN
    harness.codestar.on(AssociateTeamMemberCommand).resolves({});

    // WHEN
    const result = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    // THEN
    expect(result).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: DATA });
    const token = createHash('sha256').update([STACK_ID, 'Resource', 'request-1'].join('\n')).digest('hex');
    expect(harness.codestar.commandCalls(AssociateTeamMemberCommand)[0].args[0].input).toEqual({
      projectId: 'my-proj',
      userArn: USER_ARN,
      projectRole: 'Contributor',
      remoteAccessAllowed: false,
      clientRequestToken: token,
    });
  });

  test('a redelivered create sends the same token and succeeds', async () => {
    harness.codestar.on(AssociateTeamMemberCommand).resolves({});
    const event = createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER);

    const first = await harness.onEvent(event);
    const second = await harness.onEvent(structuredClone(event));

    const tokens = harness.codestar.commandCalls(AssociateTeamMemberCommand).map(call => call.args[0].input.clientRequestToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(second).toEqual(first);
    expect(harness.codestarCalls()).toEqual(['AssociateTeamMember', 'AssociateTeamMember']);
  });

  test('a pre-existing Owner membership is adopted: converged, and its original settings kept in the physical id', async () => {
    // GIVEN the user created the project, so CodeStar made them Owner with remote access; the list has two pages
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(serviceError('TeamMemberAlreadyAssociatedException', 'already associated'))
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
      .on(AssociateTeamMemberCommand).rejects(serviceError('TeamMemberAlreadyAssociatedException', 'already associated'))
      .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn: USER_ARN, projectRole: 'Contributor' }] });

    const result = await harness.onEvent(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    expect(result.PhysicalResourceId).toBe(`my-proj|${USER_ARN}|adopted:Contributor:false`);
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
  });

  test('a membership reported as existing but not listed fails clearly', async () => {
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(serviceError('TeamMemberAlreadyAssociatedException', 'already associated'))
      .on(ListTeamMembersCommand).resolves({ teamMembers: [] });

    const error = await harness.onEventError(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER));

    expect(error.message).toBe(`${USER_ARN} is not a team member of project my-proj, although CodeStar reported it as one`);
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

  test('the rollback of a replacement succeeds: the original membership still exists', async () => {
    // GIVEN CloudFormation sends the original properties to the new membership's physical id
    harness.codestar
      .on(AssociateTeamMemberCommand).rejects(serviceError('TeamMemberAlreadyAssociatedException', 'already associated'))
      .on(ListTeamMembersCommand).resolves({ teamMembers: [{ userArn: USER_ARN, projectRole: 'Contributor', remoteAccessAllowed: false }] });

    const result = await harness.onEvent(updateEvent(TEAM_MEMBER_RESOURCE_TYPE, `my-proj|${OTHER_USER_ARN}`, MEMBER, { ...MEMBER, userArn: OTHER_USER_ARN }));

    expect(result.PhysicalResourceId).toBe(`my-proj|${USER_ARN}|adopted:Contributor:false`);
    expect(harness.mutatingCalls()).toEqual(['AssociateTeamMember']);
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

  test.each([FRAMEWORK_CREATE_FAILED_MARKER, 'request-1', 'my-proj', `my-proj|${USER_ARN}|adopted:Admin:true`])(
    'physical id %s was never a membership: no call', async physicalId => {
      expect(await harness.onEvent(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, physicalId, MEMBER))).toEqual({});
      expect(harness.codestarCalls()).toEqual([]);
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
