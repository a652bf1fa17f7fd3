import { CfnResource, CustomResource, Intrinsic, Stack, Token, Tokenization } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import {
  identityLogicalId, intrinsicIdentity as intrinsicIdentityOf, namedProjectIdentity, namedUserIdentity, ownedProjectIdentity, ownedUserIdentity,
} from './logical-ids';

/*
 * Identity-based logical ids for team members and user profiles.
 *
 * With path-based ids, renaming a construct, moving it, or declaring members by index and removing
 * one makes CloudFormation create a "new" resource for the same membership or profile (which the
 * handler adopts, since it already exists) and then delete the "old" one: the very membership or
 * profile the stack still declares. With ids derived from what identifies the membership or profile
 * such a change is no change at all, and a different user or project is a different resource.
 *
 * An identity must therefore stay the same across every innocuous edit of the app: a user is its
 * name (however it is imported or declared, with or without the stack's account), a project is its
 * id (declared or imported). Only what has no name at synthesis falls back to something else: the
 * construct path of a user or project the app itself creates (renaming that construct replaces the
 * user or project anyway), or the intrinsic a token stands for (a parameter, an import). A value
 * that is neither (a Lazy, say) has no identity: its member or profile keeps a path-based id.
 *
 * The identity strings and the logical id made from them are a deployed contract, in
 * ./logical-ids.ts; this module finds what they are made of in the construct tree.
 */

/** The ids that CodeStarProject constructs declare, since their `projectId` attribute is a token. */
const declaredProjectIds = new WeakMap<IConstruct, string>();

/** Records the id a CodeStarProject declares, so that its members know their project by it. */
export function recordDeclaredProjectId(project: IConstruct, projectId: string) {
  declaredProjectIds.set(project, projectId);
}

/**
 * What identifies an IAM user, or undefined when nothing stable does: `user/<name>` when its name is
 * known (a name is unique in an account whatever the user's path), with the account only when a
 * concrete ARN names an account other than the stack's own.
 */
export function userIdentity(scope: IConstruct, user: iam.IUser): string | undefined {
  const name = knownUserName(user);
  if (name !== undefined) {
    const account = parseUserArn(user.userArn)?.account;
    const stackAccount = Stack.of(scope).account;
    const otherAccount = account !== undefined && !Token.isUnresolved(stackAccount) && account !== stackAccount;
    return namedUserIdentity(name, otherAccount ? account : undefined);
  }
  return user.node.defaultChild !== undefined ? ownedUserIdentity(user.node.path) : intrinsicIdentity(user, user.userArn);
}

/**
 * The key by which a stack's profiles and remote-access members of the same user find each other:
 * the user's identity, or its ARN token when it has none (then only the same token matches).
 */
export function userKey(scope: IConstruct, user: iam.IUser): string {
  return userIdentity(scope, user) ?? user.userArn;
}

/** What identifies a project, or undefined when nothing stable does: `project/<id>` when its id is known. */
export function projectIdentity(project: IConstruct & { readonly projectId: string }): string | undefined {
  const id = knownProjectId(project);
  if (id !== undefined) {
    return namedProjectIdentity(id);
  }
  return project.node.defaultChild !== undefined ? ownedProjectIdentity(project.node.path) : intrinsicIdentity(project, project.projectId);
}

/**
 * Gives a resource that stands for one thing in CodeStar a logical id derived from its identity
 * (see `identityLogicalId`), with the concrete ones of the readable values.
 *
 * @param resource the custom resource whose logical id is set
 * @param prefix the resource kind, first in the id (`TeamMember`, `UserProfile`)
 * @param identity what identifies the thing (see `userIdentity`, `projectIdentity`)
 * @param readable values that make the id readable (tokens are left out)
 */
export function useIdentityLogicalId(resource: CustomResource, prefix: string, identity: string, readable: Array<string | undefined>) {
  const words = readable.filter((value): value is string => value !== undefined && !Token.isUnresolved(value));
  (resource.node.defaultChild as CfnResource).overrideLogicalId(identityLogicalId(prefix, identity, words));
}

/** A readable name for a user: its name when known, else the construct id of a user this app creates. */
export function readableUser(user: iam.IUser): string | undefined {
  return knownUserName(user) ?? ownedConstructId(user);
}

/** A readable name for a project: its id when known, else the construct id of a project this app declares. */
export function readableProject(project: IConstruct & { readonly projectId: string }): string | undefined {
  return knownProjectId(project) ?? ownedConstructId(project);
}

/** The user's name, if known at synthesis: from a concrete ARN, an import by name, or a user declared with a name. */
function knownUserName(user: iam.IUser): string | undefined {
  const fromArn = parseUserArn(user.userArn)?.name;
  const declared = user.node.defaultChild instanceof iam.CfnUser ? user.node.defaultChild.userName : undefined;
  return [fromArn, user.userName, declared].find(name => name !== undefined && !Token.isUnresolved(name));
}

/** The account and name in a concrete IAM user ARN (`arn:<partition>:iam::<account>:user/<path/><name>`). */
function parseUserArn(userArn: string): { account: string; name: string } | undefined {
  const match = Token.isUnresolved(userArn) ? null : userArn.match(/^arn:[^:]+:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/);
  return match ? { account: match[1], name: match[2] } : undefined;
}

/** The project's id, if known at synthesis: imported by a concrete id or ARN, or declared with one. */
function knownProjectId(project: IConstruct & { readonly projectId: string }): string | undefined {
  return [project.projectId, declaredProjectIds.get(project)].find(id => id !== undefined && !Token.isUnresolved(id));
}

/**
 * The intrinsic functions a token stands for (a parameter's Ref, an Fn::ImportValue), in the stack
 * of the construct that holds it, or undefined when the value holds anything else: resolving a Lazy
 * at construction would fix its value before the app is complete.
 */
function intrinsicIdentity(holder: IConstruct, value: string): string | undefined {
  const tokens = Tokenization.reverseString(value).tokens;
  if (!tokens.every(token => token instanceof Intrinsic)) {
    return undefined;
  }
  const stack = Stack.of(holder);
  return intrinsicIdentityOf(stack.node.path, stack.resolve(value));
}

/** The id of a construct that owns a resource (not an import, whose id says nothing of what it imports). */
function ownedConstructId(construct: IConstruct): string | undefined {
  return construct.node.defaultChild !== undefined ? construct.node.id : undefined;
}
