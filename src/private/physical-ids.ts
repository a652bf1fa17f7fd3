import { isProjectId, isProjectRole, isUserArn } from './identifiers';

/**
 * The physical ids of team members and user profiles: a deployed contract, read by the handler
 * (what a Delete may remove or must restore) and by the command line's plan and drift.
 *
 * Team member: `projectId|userArn`, or for a membership that existed before we declared it (CodeStar
 * makes a project's creator its Owner) the same followed by `|adopted:<Role>:<remoteAccessAllowed>`:
 * the settings it had, which Delete restores instead of removing a membership we did not create.
 * User profile: `<userArn>` for a profile this resource's own CreateUserProfile made,
 * `<userArn>|existing` for one that existed before. Neither suffix can be part of an ARN: an IAM
 * user name cannot contain ':' or '|'.
 */

export interface MemberSettings {
  readonly projectRole: string;
  readonly remoteAccessAllowed: boolean;
}

export interface TeamMemberId {
  readonly projectId: string;
  readonly userArn: string;
  /** The settings the membership had before we adopted it. */
  readonly adopted?: MemberSettings;
}

/** `|adopted:<role>:<remoteAccessAllowed>`; the role is checked by the model's `Role` pattern. */
const ADOPTED_SUFFIX = /\|adopted:([^:|]+):(true|false)$/;

export function formatTeamMemberId(id: TeamMemberId): string {
  const membership = `${id.projectId}|${id.userArn}`;
  return id.adopted === undefined
    ? membership
    : `${membership}|adopted:${id.adopted.projectRole}:${id.adopted.remoteAccessAllowed}`;
}

/** The membership behind a physical id, or undefined if the id was never one of ours. */
export function parseTeamMemberId(physicalId: string): TeamMemberId | undefined {
  const adopted = ADOPTED_SUFFIX.exec(physicalId);
  const membership = adopted === null ? physicalId : physicalId.slice(0, adopted.index);
  const separator = membership.indexOf('|');
  const projectId = membership.slice(0, separator);
  const userArn = membership.slice(separator + 1);
  if (separator < 0 || !isProjectId(projectId) || !isUserArn(userArn) || (adopted !== null && !isProjectRole(adopted[1]))) {
    return undefined;
  }
  return adopted === null
    ? { projectId, userArn }
    : { projectId, userArn, adopted: { projectRole: adopted[1], remoteAccessAllowed: adopted[2] === 'true' } };
}

export interface UserProfileId {
  readonly userArn: string;
  /** The profile existed before this resource's create: it is not this resource's own. */
  readonly existing: boolean;
}

const EXISTING_SUFFIX = '|existing';

export function formatUserProfileId(id: UserProfileId): string {
  return id.existing ? `${id.userArn}${EXISTING_SUFFIX}` : id.userArn;
}

/** The profile behind a physical id, or undefined if the id was never one of ours. */
export function parseUserProfileId(physicalId: string): UserProfileId | undefined {
  const existing = physicalId.endsWith(EXISTING_SUFFIX);
  const userArn = existing ? physicalId.slice(0, -EXISTING_SUFFIX.length) : physicalId;
  return isUserArn(userArn) ? { userArn, existing } : undefined;
}
