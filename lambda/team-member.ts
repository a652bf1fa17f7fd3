import {
  AssociateTeamMemberCommand,
  DisassociateTeamMemberCommand,
  ListTeamMembersCommand,
  TeamMember,
  UpdateTeamMemberCommand,
} from '@aws-sdk/client-codestar';
import { HandlerError, hasErrorName } from './errors';
import type { Data, OnEventResponse } from './event';
import type { DeleteRequest, HandlerContext, ResourceHandler, UpdateRequest } from './handler';
import { userNameOf } from './identifiers';
import { paginate } from './paginate';
import { parseTeamMemberProperties } from './properties';
import { membershipToken, ResourceIdentity } from './tokens';
import { TeamMemberAttributes, TeamMemberProperties } from '../src/private/contract';
import { isProjectId, isProjectRole, isUserArn } from '../src/private/identifiers';
import { formatTeamMemberId, MemberSettings, parseTeamMemberId, TeamMemberId } from '../src/private/physical-ids';
import { planTeamMemberUpdate, UpdateTeamMemberInput } from '../src/private/plans';

export { formatTeamMemberId, parseTeamMemberId, planTeamMemberUpdate };
export type { MemberSettings, TeamMemberId };

const NOT_FOUND = ['ProjectNotFoundException', 'TeamMemberNotFoundException'];

/**
 * Custom::CodeStarTeamMember. Physical id: `projectId|userArn`, or for a membership that existed
 * before we declared it (CodeStar makes a project's creator its Owner) the same followed by
 * `|adopted:<Role>:<remoteAccessAllowed>`: the settings it had, which Delete restores instead of
 * removing a membership we did not create. The suffix cannot be mistaken for part of the ARN: an
 * IAM user name cannot contain ':' or '|'.
 */

function teamMemberData(properties: TeamMemberProperties): Data {
  return { [TeamMemberAttributes.PROJECT_ID]: properties.projectId, [TeamMemberAttributes.USER_ARN]: properties.userArn };
}

export const teamMemberHandler: ResourceHandler<TeamMemberProperties> = {
  parseProperties: parseTeamMemberProperties,
  // A service message may quote the user's name without its ARN.
  sensitiveValues: properties => [userNameOf(properties.userArn)],

  async onEvent(request, ctx) {
    switch (request.requestType) {
      case 'Create':
        return { PhysicalResourceId: await associate(request.properties, request, ctx), Data: teamMemberData(request.properties) };
      case 'Update':
        return { PhysicalResourceId: await update(request, ctx), Data: teamMemberData(request.properties) };
      case 'Delete':
        return remove(request, ctx);
    }
  },

  // Team membership changes take effect synchronously.
  isComplete: async () => ({ IsComplete: true }),
};

/**
 * Associates the user with this resource's own token. CodeStar answers a repeat of a token with
 * success (the API: a token "can be used to repeat the request"), so any later attempt of this
 * resource (a redelivery, a retry after a lost response, a rolled-back replacement coming back)
 * finds its own membership. TeamMemberAlreadyAssociatedException therefore means a membership
 * this resource did not make (CodeStar makes a project's creator its Owner): it is adopted,
 * converged to the declared settings, and its original settings go into the physical id.
 */
async function associate(desired: TeamMemberProperties, request: ResourceIdentity, ctx: HandlerContext): Promise<string> {
  const { projectId, userArn } = desired;
  if (await associateOwn(desired, request, ctx)) {
    return formatTeamMemberId({ projectId, userArn });
  }
  const original = settingsOf(await findTeamMember(ctx, projectId, userArn), desired);
  ctx.log.info('existing-membership-adopted', { projectId, userArn });
  await sendUpdate(ctx, planTeamMemberUpdate(original, desired));
  return formatTeamMemberId({ projectId, userArn, adopted: original });
}

/** AssociateTeamMember with this resource's token: true when the membership is (now) this resource's own, false when it is foreign. */
async function associateOwn(desired: TeamMemberProperties, request: ResourceIdentity, ctx: HandlerContext): Promise<boolean> {
  const { projectId, userArn } = desired;
  try {
    await ctx.call('AssociateTeamMember', () => ctx.clients.codestar.send(new AssociateTeamMemberCommand({
      projectId,
      userArn,
      projectRole: desired.projectRole,
      remoteAccessAllowed: desired.remoteAccessAllowed,
      clientRequestToken: membershipToken(request, projectId, userArn),
    })));
    return true;
  } catch (error) {
    if (hasErrorName(error, 'TeamMemberAlreadyAssociatedException')) {
      return false;
    }
    throw error;
  }
}

async function update(request: UpdateRequest<TeamMemberProperties>, ctx: HandlerContext): Promise<string> {
  const desired = request.properties;
  const id = parseTeamMemberId(request.physicalResourceId);
  if (id === undefined || id.projectId !== desired.projectId || id.userArn !== desired.userArn) {
    // Another project or user is another membership: CloudFormation deletes the old one afterwards.
    return associate(desired, request, ctx);
  }
  const current = request.oldProperties
    ?? settingsOf(await findTeamMember(ctx, desired.projectId, desired.userArn), desired);
  await sendUpdate(ctx, planTeamMemberUpdate(current, desired));
  return request.physicalResourceId;
}

async function remove(request: DeleteRequest<TeamMemberProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  const id = parseTeamMemberId(request.physicalResourceId) ?? await cancelledMembership(request, ctx);
  if (id === undefined) {
    ctx.log.info('nothing-to-delete', { physicalResourceId: request.physicalResourceId });
    return {};
  }
  const { projectId, userArn, adopted } = id;
  try {
    if (adopted === undefined) {
      await ctx.call('DisassociateTeamMember', () =>
        ctx.clients.codestar.send(new DisassociateTeamMemberCommand({ projectId, userArn })));
    } else {
      // Not ours to remove: put back what was there, in full, whatever the membership says now.
      await sendUpdate(ctx, { projectId, userArn, ...adopted });
    }
  } catch (error) {
    if (!hasErrorName(error, ...NOT_FOUND)) {
      throw error;
    }
  }
  return {};
}

/**
 * A Delete whose physical id the handler never returned (CloudFormation made it up for a create it
 * cancelled while the create may still have been running): the declared membership, when it is
 * this resource's own. A membership holds no token to read, so the proof is a repeat of this
 * resource's own AssociateTeamMember, sent only when the user is a member at all: success proves
 * it ours, TeamMemberAlreadyAssociatedException proves it foreign, and a foreign one is left alone.
 */
async function cancelledMembership(request: DeleteRequest<TeamMemberProperties>, ctx: HandlerContext): Promise<TeamMemberId | undefined> {
  const declared = request.properties;
  if (declared === undefined || !isProjectId(declared.projectId) || !isUserArn(declared.userArn)) {
    return undefined;
  }
  const { projectId, userArn } = declared;
  try {
    if (await findTeamMember(ctx, projectId, userArn) === undefined || !await associateOwn(declared, request, ctx)) {
      return undefined;
    }
  } catch (error) {
    if (hasErrorName(error, ...NOT_FOUND)) {
      return undefined;
    }
    throw error;
  }
  return { projectId, userArn };
}

async function sendUpdate(ctx: HandlerContext, input: UpdateTeamMemberInput | undefined): Promise<void> {
  if (input !== undefined) {
    await ctx.call('UpdateTeamMember', () => ctx.clients.codestar.send(new UpdateTeamMemberCommand(input)));
  }
}

async function findTeamMember(ctx: HandlerContext, projectId: string, userArn: string): Promise<TeamMember | undefined> {
  const pages = paginate(nextToken =>
    ctx.call('ListTeamMembers', () => ctx.clients.codestar.send(new ListTeamMembersCommand({ projectId, nextToken }))));
  for await (const page of pages) {
    const member = page.teamMembers?.find(candidate => candidate.userArn === userArn);
    if (member !== undefined) {
      return member;
    }
  }
  return undefined;
}

function settingsOf(member: TeamMember | undefined, desired: TeamMemberProperties): MemberSettings {
  if (member === undefined) {
    throw new HandlerError(`${desired.userArn} is not a team member of project ${desired.projectId}, although CodeStar reported it as one`);
  }
  const projectRole = member.projectRole ?? '';
  if (!isProjectRole(projectRole)) {
    throw new HandlerError(`Team member ${desired.userArn} of project ${desired.projectId} has an unrecognised role`);
  }
  return { projectRole, remoteAccessAllowed: member.remoteAccessAllowed ?? false };
}
