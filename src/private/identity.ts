import { createHash } from 'crypto';
import { CfnResource, CustomResource, Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * What identifies a thing in CodeStar (a user's membership of a project, a user's profile), as a
 * key: the values resolved, so that two constructs for the same thing have the same key even when
 * they reach it through different tokens (two imports of the same user, say).
 */
export function identityKey(scope: IConstruct, identity: string[]): string {
  return JSON.stringify(Stack.of(scope).resolve(identity));
}

/**
 * Gives a resource that stands for one thing in CodeStar a logical id derived from what identifies
 * that thing (`identityKey`), not from its construct path.
 *
 * With path-based ids, renaming a construct, moving it, or declaring members by index and removing
 * one makes CloudFormation create a "new" resource for the same membership or profile (which the
 * handler adopts, since it already exists) and then delete the "old" one: the very membership or
 * profile the stack still declares. With identity-based ids such a change is no change at all, and a
 * different user or project is a different resource, as it should be.
 *
 * @param resource the custom resource whose logical id is set
 * @param prefix the resource kind, first in the id (`TeamMember`, `UserProfile`)
 * @param key the thing's `identityKey`
 * @param readable concrete values that make the id readable (tokens are left out)
 */
export function useIdentityLogicalId(resource: CustomResource, prefix: string, key: string, readable: Array<string | undefined>) {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8).toUpperCase();
  const words = readable
    .filter((value): value is string => value !== undefined && !Token.isUnresolved(value))
    .map(value => value.split(/[^A-Za-z0-9]+/).map(w => w.charAt(0).toUpperCase() + w.slice(1)).join(''))
    .join('')
    .slice(0, 200);
  (resource.node.defaultChild as CfnResource).overrideLogicalId(`${prefix}${words}${hash}`);
}

/**
 * A readable name for a user: the name at the end of its ARN or its user name when known, else the
 * construct id of a user this app creates (renaming that construct replaces the user anyway).
 */
export function readableUser(user: IConstruct & { readonly userArn: string; readonly userName: string }): string | undefined {
  const fromArn = Token.isUnresolved(user.userArn) ? undefined : user.userArn.match(/:user\/(?:.*\/)?([^/]+)$/)?.[1];
  return fromArn ?? (!Token.isUnresolved(user.userName) ? user.userName : ownedConstructId(user));
}

/** A readable name for a project: its id when known, else the construct id of a project this app declares. */
export function readableProject(project: IConstruct & { readonly projectId: string }): string | undefined {
  return !Token.isUnresolved(project.projectId) ? project.projectId : ownedConstructId(project);
}

/** The id of a construct that owns a resource (not an import, whose id says nothing of what it imports). */
function ownedConstructId(construct: IConstruct): string | undefined {
  return construct.node.defaultChild !== undefined ? construct.node.id : undefined;
}
