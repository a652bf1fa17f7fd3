import {
  CreateUserProfileCommand,
  DeleteUserProfileCommand,
  DescribeUserProfileCommand,
  UpdateUserProfileCommand,
} from '@aws-sdk/client-codestar';
import { HandlerError, hasErrorName } from './errors';
import type { Data, OnEventResponse } from './event';
import type { DeleteRequest, HandlerContext, ResourceHandler, UpdateRequest } from './handler';
import { userNameOf } from './identifiers';
import { parseUserProfileProperties } from './properties';
import { UserProfileAttributes, UserProfileProperties } from '../src/private/contract';
import { formatUserProfileId, parseUserProfileId, UserProfileId } from '../src/private/physical-ids';
import { changedProfileFields, planUserProfileUpdate, ProfileFields } from '../src/private/plans';

export { changedProfileFields, formatUserProfileId, parseUserProfileId, planUserProfileUpdate };
export type { ProfileFields, UserProfileId };

/**
 * Custom::CodeStarUserProfile. Display name, email address and SSH key are personal data: they go
 * to the service and nowhere else (no log line, no Data, no reason).
 *
 * CreateUserProfile takes no token, so the service holds no proof of who made a profile: the
 * physical id keeps it. `<userArn>` is a profile this resource's own CreateUserProfile made;
 * `<userArn>|existing` one that existed before (used when identical, converged only when the
 * resource declares `adopt`, deleted only then). The suffix cannot be part of the ARN: an IAM user
 * name cannot contain '|'.
 */

function userProfileData(userArn: string): Data {
  return { [UserProfileAttributes.USER_ARN]: userArn };
}

export const userProfileHandler: ResourceHandler<UserProfileProperties> = {
  parseProperties: parseUserProfileProperties,
  sensitiveValues: properties => [properties.displayName, properties.emailAddress, properties.sshPublicKey, userNameOf(properties.userArn)],

  async onEvent(request, ctx) {
    switch (request.requestType) {
      case 'Create':
        return created(await create(request.properties, ctx));
      case 'Update':
        return created(await update(request, ctx));
      case 'Delete':
        return remove(request, ctx);
    }
  },

  // Profile changes take effect synchronously.
  isComplete: async () => ({ IsComplete: true }),
};

function created(id: UserProfileId): OnEventResponse {
  return { PhysicalResourceId: formatUserProfileId(id), Data: userProfileData(id.userArn) };
}

/**
 * Creates the profile. One that exists already was not made by this create (even when it is
 * identical: it may be someone else's, and a profile holds no token that could tell): it is
 * converged when the resource declares `adopt`, used as it is when identical, and otherwise a
 * conflict that leaves it untouched.
 */
async function create(desired: UserProfileProperties, ctx: HandlerContext): Promise<UserProfileId> {
  const { userArn } = desired;
  try {
    await ctx.call('CreateUserProfile', () => ctx.clients.codestar.send(new CreateUserProfileCommand({
      userArn,
      displayName: desired.displayName,
      emailAddress: desired.emailAddress,
      sshPublicKey: desired.sshPublicKey,
    })));
    return { userArn, existing: false };
  } catch (error) {
    if (!hasErrorName(error, 'UserProfileAlreadyExistsException')) {
      throw error;
    }
  }
  await converge(ctx, { userArn, existing: true }, await describe(ctx, userArn), desired);
  return { userArn, existing: true };
}

/** Brings a profile to the declared fields: always when it is this resource's own, only with `adopt` when it is not. */
async function converge(ctx: HandlerContext, id: UserProfileId, current: ProfileFields, desired: UserProfileProperties): Promise<void> {
  const input = planUserProfileUpdate(current, desired);
  if (input === undefined) {
    return;
  }
  if (id.existing && desired.adopt !== true) {
    throw new HandlerError(
      `A CodeStar user profile for ${desired.userArn} already exists with other settings, and is not this resource's own, so it was left unchanged; `
      + 'to manage it from this stack, set adopt: true on the UserProfile; to only refer to it, use UserProfile.fromUserArn');
  }
  if (id.existing) {
    ctx.log.info('existing-profile-adopted', { userArn: desired.userArn });
  }
  await ctx.call('UpdateUserProfile', () => ctx.clients.codestar.send(new UpdateUserProfileCommand(input)));
}

async function update(request: UpdateRequest<UserProfileProperties>, ctx: HandlerContext): Promise<UserProfileId> {
  const desired = request.properties;
  const id = parseUserProfileId(request.physicalResourceId);
  if (id === undefined || id.userArn !== desired.userArn) {
    // Another user is another profile: CloudFormation deletes the old one afterwards.
    return create(desired, ctx);
  }
  // A profile that is not ours is compared with what it is, not with what we declared before.
  const current = id.existing ? await describe(ctx, desired.userArn) : request.oldProperties ?? await describe(ctx, desired.userArn);
  await converge(ctx, id, current, desired);
  return id;
}

/**
 * Deletes this resource's own profile; one that existed before only when the resource declares
 * `adopt` (the removal policy decides whether a Delete comes at all). A physical id the handler
 * never returned (a cancelled create) has nothing to delete behind it: with no token, nothing can
 * prove a profile this resource's own.
 */
async function remove(request: DeleteRequest<UserProfileProperties>, ctx: HandlerContext): Promise<OnEventResponse> {
  const id = parseUserProfileId(request.physicalResourceId);
  if (id === undefined) {
    ctx.log.info('nothing-to-delete', { physicalResourceId: request.physicalResourceId });
    return {};
  }
  const { userArn } = id;
  if (id.existing && request.properties?.adopt !== true) {
    ctx.log.info('foreign-profile-left', { userArn });
    return {};
  }
  try {
    await ctx.call('DeleteUserProfile', () => ctx.clients.codestar.send(new DeleteUserProfileCommand({ userArn })));
  } catch (error) {
    // The model lists no not-found error for DeleteUserProfile; tolerate one anyway.
    if (!hasErrorName(error, 'UserProfileNotFoundException')) {
      throw error;
    }
  }
  return {};
}

async function describe(ctx: HandlerContext, userArn: string): Promise<ProfileFields> {
  const profile = await ctx.call('DescribeUserProfile', () => ctx.clients.codestar.send(new DescribeUserProfileCommand({ userArn })));
  // Someone else's personal data is as sensitive as ours.
  ctx.redactor.add(profile.displayName, profile.emailAddress, profile.sshPublicKey);
  return {
    displayName: profile.displayName ?? '',
    emailAddress: profile.emailAddress ?? '',
    sshPublicKey: profile.sshPublicKey ?? '',
  };
}
