import { CodeStarClient } from '@aws-sdk/client-codestar';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The SDK clients a handler uses; tests pass mocked instances. */
export interface Clients {
  readonly codestar: CodeStarClient;
  readonly secretsManager: SecretsManagerClient;
  /** The function invokes itself to go on waiting for a project (continuation.ts). */
  readonly lambda: LambdaClient;
}

/** A TCP connect that takes longer than this will not succeed: fail and let our retry decide. */
export const CONNECTION_TIMEOUT_MS = 3_000;
/** Socket inactivity limit: a hung endpoint fails well inside the retry deadline's safety margin. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Configuration shared by the clients. `maxAttempts: 1` because `withRetries` is the only retry
 * loop (one deadline, every attempt logged). The endpoint comes from the SDK's standard settings
 * (AWS_ENDPOINT_URL_CODESTAR, AWS_ENDPOINT_URL): there is no endpoint option here on purpose.
 */
export function clientConfig() {
  return {
    maxAttempts: 1,
    // Options, not an instance: the SDK builds its own NodeHttpHandler from them, so the handler
    // class comes from the same bundled @smithy release as the client.
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
  };
}

export function createClients(): Clients {
  return {
    codestar: new CodeStarClient(clientConfig()),
    secretsManager: new SecretsManagerClient(clientConfig()),
    lambda: new LambdaClient(clientConfig()),
  };
}
