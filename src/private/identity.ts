import { createHash } from 'crypto';
import { CfnResource, CustomResource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
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
 * What identifies an IAM user: its account and name when the name is known (a name is unique in an
 * account whatever the user's path, and however the user is imported or declared), else its ARN.
 * So `User.fromUserName(stack, 'B', 'bob')`, `User.fromUserArn(...)` with bob's ARN (in a stack of
 * the same account) and `new User(stack, 'B', { userName: 'bob' })` are the same user.
 */
export function userIdentity(user: iam.IUser): string {
  const arn = Token.isUnresolved(user.userArn) ? undefined : user.userArn.match(/^arn:[^:]+:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/);
  if (arn) {
    return `${arn[1]}:user/${arn[2]}`;
  }
  const name = knownUserName(user);
  return name !== undefined ? `${user.stack.account}:user/${name}` : user.userArn;
}

/**
 * A readable name for a user: its name when known, else the construct id of a user this app
 * creates (renaming that construct replaces the user anyway).
 */
export function readableUser(user: iam.IUser): string | undefined {
  return knownUserName(user) ?? ownedConstructId(user);
}

/** A readable name for a project: its id when known, else the construct id of a project this app declares. */
export function readableProject(project: IConstruct & { readonly projectId: string }): string | undefined {
  return !Token.isUnresolved(project.projectId) ? project.projectId : ownedConstructId(project);
}

/** The user's name, if known at synthesis: from a concrete ARN, an import by name, or a user declared with a name. */
function knownUserName(user: iam.IUser): string | undefined {
  const fromArn = Token.isUnresolved(user.userArn) ? undefined : user.userArn.match(/:user\/(?:.*\/)?([^/]+)$/)?.[1];
  const declared = user.node.defaultChild instanceof iam.CfnUser ? user.node.defaultChild.userName : undefined;
  return [fromArn, user.userName, declared].find(name => name !== undefined && !Token.isUnresolved(name));
}

/** The id of a construct that owns a resource (not an import, whose id says nothing of what it imports). */
function ownedConstructId(construct: IConstruct): string | undefined {
  return construct.node.defaultChild !== undefined ? construct.node.id : undefined;
}
