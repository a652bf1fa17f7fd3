import type { ProjectProperties, TeamMemberProperties, UserProfileProperties } from './contract';

/**
 * The handler's planners: from what is there and what is declared, the exact mutating calls an
 * update makes. Pure, so that the command line's `plan` shows the calls a deploy will make, from
 * the same code. Inputs are the SDK's command inputs, by shape.
 */

/** What an update can change in place. */
export type ProjectState = Pick<ProjectProperties, 'id' | 'name' | 'description' | 'tags'>;

export type ProjectCall =
  | { readonly operation: 'UpdateProject'; readonly input: UpdateProjectInput }
  | { readonly operation: 'TagProject'; readonly input: TagProjectInput }
  | { readonly operation: 'UntagProject'; readonly input: UntagProjectInput };

/** UpdateProject's input (the SDK's UpdateProjectCommandInput). */
export interface UpdateProjectInput {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
}

/** TagProject's input. */
export interface TagProjectInput {
  readonly id: string;
  readonly tags: Record<string, string>;
}

/** UntagProject's input. */
export interface UntagProjectInput {
  readonly id: string;
  readonly tags: string[];
}

/** UpdateTeamMember's input. */
export interface UpdateTeamMemberInput {
  readonly projectId: string;
  readonly userArn: string;
  readonly projectRole?: string;
  readonly remoteAccessAllowed?: boolean;
}

/** UpdateUserProfile's input. */
export interface UpdateUserProfileInput {
  readonly userArn: string;
  readonly displayName?: string;
  readonly emailAddress?: string;
  readonly sshPublicKey?: string;
}

/**
 * The calls that take a project from `current` to `desired`: UpdateProject with only the changed
 * members (a removed description becomes ''), TagProject with added or changed tags, UntagProject
 * with removed keys. Nothing at all when nothing changed.
 */
export function planProjectUpdate(current: ProjectState, desired: ProjectState): ProjectCall[] {
  const id = desired.id;
  const calls: ProjectCall[] = [];

  const nameChanged = current.name !== desired.name;
  const descriptionChanged = (current.description ?? '') !== (desired.description ?? '');
  if (nameChanged || descriptionChanged) {
    calls.push({
      operation: 'UpdateProject',
      input: {
        id,
        ...(nameChanged ? { name: desired.name } : {}),
        ...(descriptionChanged ? { description: desired.description ?? '' } : {}),
      },
    });
  }

  const currentTags = current.tags ?? {};
  const desiredTags = desired.tags ?? {};
  const tagsToSet = Object.fromEntries(Object.entries(desiredTags)
    .filter(([key, value]) => !Object.hasOwn(currentTags, key) || currentTags[key] !== value));
  const keysToRemove = Object.keys(currentTags).filter(key => !Object.hasOwn(desiredTags, key));
  if (Object.keys(tagsToSet).length > 0) {
    calls.push({ operation: 'TagProject', input: { id, tags: tagsToSet } });
  }
  if (keysToRemove.length > 0) {
    calls.push({ operation: 'UntagProject', input: { id, tags: keysToRemove } });
  }
  return calls;
}

/** UpdateTeamMember with only the changed members, or undefined when nothing changed. */
export function planTeamMemberUpdate(
  current: Pick<TeamMemberProperties, 'projectRole' | 'remoteAccessAllowed'>,
  desired: TeamMemberProperties,
): UpdateTeamMemberInput | undefined {
  const roleChanged = current.projectRole !== desired.projectRole;
  // Absent means false: the API's default.
  const remoteAccessChanged = (current.remoteAccessAllowed ?? false) !== (desired.remoteAccessAllowed ?? false);
  if (!roleChanged && !remoteAccessChanged) {
    return undefined;
  }
  return {
    projectId: desired.projectId,
    userArn: desired.userArn,
    ...(roleChanged ? { projectRole: desired.projectRole } : {}),
    ...(remoteAccessChanged ? { remoteAccessAllowed: desired.remoteAccessAllowed ?? false } : {}),
  };
}

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
export function planUserProfileUpdate(current: ProfileFields, desired: UserProfileProperties): UpdateUserProfileInput | undefined {
  const changed = changedProfileFields(current, desired);
  return Object.keys(changed).length === 0 ? undefined : { userArn: desired.userArn, ...changed };
}

/** Where a project is, seen from the request that is waiting on it. */
export type ProjectProgress = 'InProgress' | 'Complete' | 'Failed' | 'Deleted';

/**
 * Maps a DescribeProject state onto what the request waiting on the project (the handler's
 * isComplete) does: the command line's `plan` reads it to tell a deploy that will fail on a project.
 */
export function projectProgress(requestType: 'Create' | 'Update' | 'Delete', state: string | undefined): ProjectProgress {
  if (requestType === 'Delete') {
    switch (state) {
      case 'DeleteComplete': return 'Complete';
      case 'DeleteFailed': return 'Failed';
      // Still there, whatever it says (DeleteInProgress, or a state the delete has not reached yet).
      default: return 'InProgress';
    }
  }
  switch (state) {
    // Projects from before CodeStar reported a status have none: they exist and nothing is running.
    case undefined:
    case 'CreateComplete':
    case 'UpdateComplete':
      return 'Complete';
    case 'CreateFailed':
    case 'UpdateFailed':
      return 'Failed';
    case 'DeleteInProgress':
    case 'DeleteComplete':
    case 'DeleteFailed':
      return 'Deleted';
    // CreateInProgress, UpdateInProgress, Unknown: wait; the provider's total timeout bounds this.
    default:
      return 'InProgress';
  }
}
