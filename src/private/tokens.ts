import { sha256 } from './sha256';

/**
 * Creation tokens: the proof that a CodeStar resource is one logical resource's own creation.
 *
 * A token is derived from the stack id, the logical id and the resource's identity, never from the
 * RequestId. Every later attempt for the same resource (a redelivery, a retry with a new RequestId,
 * a rollback, an attempt after a lost response) therefore sends the same token and recognises its
 * own creation, while no other stack or logical resource can produce it: a stack id carries a UUID
 * that CloudFormation makes for each stack.
 *
 * These derivations are a deployed contract: a project created by one version must be recognised
 * by every later one. test/lambda/tokens.test.ts pins them. The handler makes them; the command
 * line's `plan` reads them to tell a stack's own project from a foreign one.
 */

/** ClientRequestToken: `^[\w:/-]+$`, 1..256 characters. A SHA-256 in hex is 64. */
export const MAX_TOKEN_LENGTH = 256;

/** Which logical resource in which stack: what every token starts from. */
export interface ResourceIdentity {
  readonly stackId: string;
  readonly logicalResourceId: string;
}

/** Marks the derivation, so that a future one can never collide with this one. */
const VERSION = 'cdk-codestar/1';

function derive(kind: string, resource: ResourceIdentity, ...identity: string[]): string {
  // Newline separators: no stack id, logical id or identifier contains one, so no two inputs run together.
  return sha256([VERSION, kind, resource.stackId, resource.logicalResourceId, ...identity].join('\n'));
}

/** CreateProject's token: the same for every attempt of this logical resource to create this project id. */
export function projectToken(resource: ResourceIdentity, projectId: string): string {
  return derive('CreateProject', resource, projectId);
}

/** AssociateTeamMember's token: the same for every attempt of this logical resource to add this user to this project. */
export function membershipToken(resource: ResourceIdentity, projectId: string, userArn: string): string {
  return derive('AssociateTeamMember', resource, projectId, userArn);
}

/**
 * DeleteProject's token: unique to the one project it deletes. A project deleted and created again
 * under the same id is another project, so the token includes what tells them apart: the token and
 * time of the creation (either may be absent for a project made outside this library).
 */
export function deleteProjectToken(
  resource: ResourceIdentity,
  projectId: string,
  created: { readonly clientRequestToken?: string; readonly createdTimeStamp?: Date },
): string {
  return derive('DeleteProject', resource, projectId, created.clientRequestToken ?? '', created.createdTimeStamp?.toISOString() ?? '');
}
