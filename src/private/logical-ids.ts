import { createHash } from 'crypto';

/*
 * Logical ids of team members and user profiles: a deployed contract, like the resource types and
 * property keys in contract.ts. CloudFormation knows a deployed resource by its logical id, so a
 * derivation that gave any input another id would make the next deployment create the "new"
 * membership or profile and delete the "old" one, which is the very one the stack still declares.
 * test/logical-ids.test.ts pins the ids of fixed inputs: a change here must fail it.
 *
 * This module is the pure part of the derivation (identity strings and readable words in, a logical
 * id out). Finding a user's name or a project's id in the construct tree, and leaving tokens out, is
 * src/private/identity.ts's job. It imports nothing from aws-cdk-lib.
 */

/** The first word of every team member's logical id. */
export const TEAM_MEMBER_LOGICAL_ID_PREFIX = 'TeamMember';

/** The first word of every user profile's logical id. */
export const USER_PROFILE_LOGICAL_ID_PREFIX = 'UserProfile';

/** The most characters of readable words in a logical id (CloudFormation allows 255 in all). */
const MAX_READABLE_LENGTH = 200;

/**
 * A user known by its name: `user/<name>`, or `user/<account>/<name>` when a concrete ARN names an
 * account other than the stack's own.
 */
export function namedUserIdentity(name: string, otherAccount?: string): string {
  return otherAccount !== undefined ? `user/${otherAccount}/${name}` : `user/${name}`;
}

/** A user the app itself creates without a name: `user@<construct path>`. */
export function ownedUserIdentity(constructPath: string): string {
  return `user@${constructPath}`;
}

/** A project known by its id: `project/<id>`. */
export function namedProjectIdentity(projectId: string): string {
  return `project/${projectId}`;
}

/** A project the app itself declares with an id known only at deployment: `project@<construct path>`. */
export function ownedProjectIdentity(constructPath: string): string {
  return `project@${constructPath}`;
}

/**
 * A value that stands for intrinsic functions only (a parameter's Ref, an Fn::ImportValue):
 * `<stack path>:<the resolved value as JSON>`.
 */
export function intrinsicIdentity(stackPath: string, resolved: unknown): string {
  return `${stackPath}:${JSON.stringify(resolved)}`;
}

/** A membership: `<project identity>|<user identity>`. */
export function teamMemberIdentity(projectIdentity: string, userIdentity: string): string {
  return `${projectIdentity}|${userIdentity}`;
}

/**
 * The logical id of a resource that stands for one thing in CodeStar:
 * `<prefix><readable words><first 8 hex digits of the SHA-256 of the identity, upper case>`.
 *
 * Each readable value is split at every character that is not a letter or digit, and each part's
 * first letter is capitalised (`my-app` -> `MyApp`); together they are cut at 200 characters.
 *
 * @param prefix the resource kind (TEAM_MEMBER_LOGICAL_ID_PREFIX, USER_PROFILE_LOGICAL_ID_PREFIX)
 * @param identity what identifies the thing, one of the identities above
 * @param readable concrete values that make the id readable (the caller leaves out tokens)
 */
export function identityLogicalId(prefix: string, identity: string, readable: readonly string[]): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8).toUpperCase();
  const words = readable
    .map(value => value.split(/[^A-Za-z0-9]+/).map(w => w.charAt(0).toUpperCase() + w.slice(1)).join(''))
    .join('')
    .slice(0, MAX_READABLE_LENGTH);
  return `${prefix}${words}${hash}`;
}

/** The logical id of a team member: `TeamMember<project><user><hash of the membership>`. */
export function teamMemberLogicalId(membershipIdentity: string, readable: readonly string[]): string {
  return identityLogicalId(TEAM_MEMBER_LOGICAL_ID_PREFIX, membershipIdentity, readable);
}

/** The logical id of a user profile: `UserProfile<user><hash of the user's identity>`. */
export function userProfileLogicalId(userIdentity: string, readable: readonly string[]): string {
  return identityLogicalId(USER_PROFILE_LOGICAL_ID_PREFIX, userIdentity, readable);
}
