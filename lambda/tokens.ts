import { createHash } from 'crypto';
import type { ProjectProperties } from '../src/private/contract';

/**
 * Idempotency tokens. CloudFormation may deliver the same event more than once (same RequestId);
 * a token derived from the event makes the service treat the repeat as the same request.
 */

/** ClientRequestToken: `^[\w:/-]+$`, 1..256 characters. */
export const MAX_TOKEN_LENGTH = 256;
/** Hex characters of the creation fingerprint kept in a project's token. */
export const FINGERPRINT_LENGTH = 16;

/** What identifies one CloudFormation request for one resource. */
export interface RequestIdentity {
  readonly stackId: string;
  readonly logicalResourceId: string;
  readonly requestId: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      return item;
    }
    const entries = Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

/** A token for one request on one resource: the same event always yields the same token. */
export function requestToken(request: RequestIdentity): string {
  // Newline separators: no StackId/logical id/request id pair can run into another.
  return sha256([request.stackId, request.logicalResourceId, request.requestId].join('\n')).slice(0, MAX_TOKEN_LENGTH);
}

/**
 * Fingerprint of the inputs that only apply when a project is created (source code, toolchain).
 * The Secrets Manager reference for a GitHub token is left out: it says where to read a credential,
 * not what the project is, so moving the secret must not look like a change of source code.
 */
export function creationFingerprint(properties: Pick<ProjectProperties, 'sourceCode' | 'toolchain'>): string {
  const sourceCode = properties.sourceCode?.map(code => {
    const gitHub = code.destination.gitHub;
    if (gitHub === undefined) {
      return code;
    }
    const { tokenSecretArn: _arn, tokenSecretJsonField: _field, ...repository } = gitHub;
    return { ...code, destination: { ...code.destination, gitHub: repository } };
  });
  return sha256(canonicalJson({ sourceCode, toolchain: properties.toolchain })).slice(0, FINGERPRINT_LENGTH);
}

/**
 * CreateProject's token: `<fingerprint>-<request hash>`. CodeStar keeps it with the project, so
 * DescribeProject later tells which source code and toolchain the project was created from.
 */
export function projectCreationToken(
  properties: Pick<ProjectProperties, 'sourceCode' | 'toolchain'>,
  request: RequestIdentity,
): string {
  const fingerprint = creationFingerprint(properties);
  return `${fingerprint}-${requestToken(request)}`.slice(0, MAX_TOKEN_LENGTH);
}

/** The creation fingerprint stored in a project's token, or undefined if it is not one of ours. */
export function fingerprintOfToken(token: string | undefined): string | undefined {
  const match = new RegExp(`^([0-9a-f]{${FINGERPRINT_LENGTH}})-[0-9a-f]+$`).exec(token ?? '');
  return match?.[1];
}
