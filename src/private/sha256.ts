import { createHash } from 'crypto';

/**
 * The SHA-256 of a text, in lower-case hex: the hash behind creation tokens, the user-ARN mask,
 * grant chunks, the runner's simulated ids and the import generator's short hashes. What is
 * derived from it is a deployed contract (see lambda/tokens.ts), so this never changes. It imports
 * nothing from aws-cdk-lib: the handler bundles it. (src/private/logical-ids.ts hashes the same way
 * on its own: its golden test pins that it imports `crypto` and nothing else.)
 */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
