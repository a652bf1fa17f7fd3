import { createHash } from 'crypto';

/**
 * The SHA-256 of a text, in lower-case hex: the one hash behind creation tokens, logical ids, grant
 * chunks and the runner's simulated ids. What is derived from it is a deployed contract (see
 * lambda/tokens.ts and src/private/logical-ids.ts), so this never changes. It imports nothing from
 * aws-cdk-lib: the handler bundles it.
 */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
