import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/*
 * One owner per membership and per profile in an app.
 *
 * Two declarations of the same membership (or of the same user's profile) would be two
 * CloudFormation resources for one thing in CodeStar: each deploy of one would overwrite the
 * other's role or fields, and deleting either would delete what the other still declares. Within a
 * stack the logical ids would collide; across the stacks of an app nothing else would notice. So
 * the first declaration owns it, and a second fails at synthesis naming both.
 *
 * Stacks whose accounts (or regions) are both known and differ manage different CodeStar
 * resources: the same project id or user name there is something else. A stack without a concrete
 * account or region may deploy anywhere, so it compares equal to every other.
 *
 * The claims of an app are kept per construct-tree root, in a WeakMap: nothing to reset between
 * apps or tests, and nothing added to the tree.
 */

/** What can be owned once: a team member (project + user) or a user profile (user). */
export type OwnedKind = 'TeamMember' | 'UserProfile';

/** A declaration that owns a membership or profile. */
export interface Ownership {
  /** The construct that declares it. */
  readonly owner: IConstruct;
  /** The owner's stack. */
  readonly stack: Stack;
}

const claimsByRoot = new WeakMap<IConstruct, Map<string, Ownership[]>>();

/**
 * The declaration that already owns what `scope` declares (the same `kind` and `identity`, in a
 * stack that may deploy to the same account and region), if any.
 */
export function ownerOf(scope: IConstruct, kind: OwnedKind, identity: string): Ownership | undefined {
  const stack = Stack.of(scope);
  return claimsOf(scope).get(`${kind}|${identity}`)?.find(claim => mayDeployTogether(claim.stack, stack));
}

/** Records `owner` as the owner of the membership or profile with this `identity` (see `ownerOf`). */
export function claimOwnership(owner: IConstruct, kind: OwnedKind, identity: string) {
  const claims = claimsOf(owner);
  const key = `${kind}|${identity}`;
  claims.set(key, [...(claims.get(key) ?? []), { owner, stack: Stack.of(owner) }]);
}

function claimsOf(scope: IConstruct): Map<string, Ownership[]> {
  const root = scope.node.root;
  let claims = claimsByRoot.get(root);
  if (!claims) {
    claims = new Map();
    claimsByRoot.set(root, claims);
  }
  return claims;
}

/** Whether two stacks may deploy to the same account and region: each part is equal or unknown in one of them. */
function mayDeployTogether(a: Stack, b: Stack): boolean {
  return samePart(a.account, b.account) && samePart(a.region, b.region);
}

function samePart(a: string, b: string): boolean {
  return Token.isUnresolved(a) || Token.isUnresolved(b) || a === b;
}

/** Where a conflicting owner is, for an error message: `in this stack (<path>)` or `in stack <stack> (<path>)`. */
export function describeOwner(existing: Ownership, scope: IConstruct): string {
  const where = existing.stack === Stack.of(scope) ? 'in this stack' : `in stack ${existing.stack.node.path}`;
  return `${where} (${existing.owner.node.path})`;
}
