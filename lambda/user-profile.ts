import {
  CreateUserProfileCommand,
  DeleteUserProfileCommand,
  DescribeUserProfileCommand,
  UpdateUserProfileCommand,
  UpdateUserProfileCommandInput,
} from '@aws-sdk/client-codestar';
import { HandlerError, hasErrorName } from './errors';
import type { Data, OnEventResponse } from './event';
import type { HandlerContext, ResourceHandler, UpdateRequest } from './handler';
import { isUserArn } from './identifiers';
import { parseUserProfileProperties } from './properties';
import { UserProfileAttributes, UserProfileProperties } from '../src/private/contract';

/**
 * Custom::CodeStarUserProfile. Physical id: the user ARN. Display name, email address and SSH key
 * are personal data: they go to the service and nowhere else (no log line, no Data, no reason).
 */

export type ProfileFields = Pick<UserProfileProperties, 'displayName' | 'emailAddress' | 'sshPublicKey'>;

/** The members that differ; a removed SSH key becomes '' (the API has no other way to clear it). */
export function changedProfileFields(current: ProfileFields, desired: ProfileFields): Partial<ProfileFields> {
  return {
    ...(current.displayName !== desired.displayName ? { displayName: desired.displayName } : {}),
    ...(current.emailAddress !== desired.emailAddress ? { emailAddress: desired.emailAddress } : {}),
    ...((current.sshPublicKey ?? '') !== (desired.sshPublicKey ?? '') ? { sshPublicKey: desired.sshPublicKey ?? '' } : {}),
  };
}

/** UpdateUserProfile with only the changed members, or undefined when nothing changed. */
export function planUserProfileUpdate(current: ProfileFields, desired: UserProfileProperties): UpdateUserProfileCommandInput | undefined {
  const changed = changedProfileFields(current, desired);
  return Object.keys(changed).length === 0 ? undefined : { userArn: desired.userArn, ...changed };
}

function userProfileData(userArn: string): Data {
  return { [UserProfileAttributes.USER_ARN]: userArn };
}

export const userProfileHandler: ResourceHandler<UserProfileProperties> = {
  parseProperties: parseUserProfileProperties,
  sensitiveValues: properties => [properties.displayName, properties.emailAddress, properties.sshPublicKey],

  async onEvent(request, ctx) {
    switch (request.requestType) {
      case 'Create':
        return created(await create(request.properties, ctx));
      case 'Update':
        return created(await update(request, ctx));
      case 'Delete':
        return remove(request.physicalResourceId, ctx);
    }
  },

  // Profile changes take effect synchronously.
  isComplete: async () => ({ IsComplete: true }),
};

function created(userArn: string): OnEventResponse {
  return { PhysicalResourceId: userArn, Data: userProfileData(userArn) };
}

/**
 * CreateUserProfile takes no idempotency token. An existing profile identical to ours is our own
 * earlier attempt (a redelivered event, a rolled-back replacement); any other is someone else's,
 * and is left exactly as it is.
 */
async function create(desired: UserProfileProperties, ctx: HandlerContext): Promise<string> {
  try {
    await ctx.call('CreateUserProfile', () => ctx.clients.codestar.send(new CreateUserProfileCommand({
      userArn: desired.userArn,
      displayName: desired.displayName,
      emailAddress: desired.emailAddress,
      sshPublicKey: desired.sshPublicKey,
    })));
    return desired.userArn;
  } catch (error) {
    if (!hasErrorName(error, 'UserProfileAlreadyExistsException')) {
      throw error;
    }
  }
  const existing = await describe(ctx, desired.userArn);
  if (Object.keys(changedProfileFields(existing, desired)).length > 0) {
    throw new HandlerError(
      `A CodeStar user profile for ${desired.userArn} already exists with different settings and was left unchanged; `
      + 'delete it first, or refer to it with UserProfile.fromUserArn instead of creating it');
  }
  return desired.userArn;
}

async function update(request: UpdateRequest<UserProfileProperties>, ctx: HandlerContext): Promise<string> {
  const desired = request.properties;
  if (desired.userArn !== request.physicalResourceId) {
    // Another user is another profile: CloudFormation deletes the old one afterwards.
    return create(desired, ctx);
  }
  const current = request.oldProperties ?? await describe(ctx, desired.userArn);
  const input = planUserProfileUpdate(current, desired);
  if (input !== undefined) {
    await ctx.call('UpdateUserProfile', () => ctx.clients.codestar.send(new UpdateUserProfileCommand(input)));
  }
  return desired.userArn;
}

async function remove(userArn: string, ctx: HandlerContext): Promise<OnEventResponse> {
  if (!isUserArn(userArn)) {
    ctx.log.info('nothing-to-delete', { physicalResourceId: userArn });
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
