import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { HandlerError } from './errors';
import type { HandlerContext } from './handler';
import type { GitHubDestinationProperty } from '../src/private/contract';

/**
 * The GitHub personal access token never enters a template: the construct passes a Secrets Manager
 * reference and the token is read here, used for one CreateProject call, and registered with the
 * redactor so that no reason or log line can carry it. No message here ever includes the secret.
 */

export type GitHubTokenReference = Pick<GitHubDestinationProperty, 'tokenSecretArn' | 'tokenSecretJsonField'>;

/** The token inside a secret string: the whole string, or one field of a JSON secret. */
export function extractToken(secretString: string, reference: GitHubTokenReference): string {
  const { tokenSecretArn: arn, tokenSecretJsonField: field } = reference;
  if (field === undefined) {
    if (secretString === '') {
      throw new HandlerError(`Secret ${arn} is empty: it must hold the GitHub personal access token`);
    }
    return secretString;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // JSON.parse's own message quotes the input: never pass it on.
    throw new HandlerError(`Secret ${arn} is not JSON, so it has no field '${field}'`);
  }
  const token = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined;
  if (typeof token !== 'string' || token === '') {
    throw new HandlerError(`Secret ${arn} has no non-empty string field '${field}'`);
  }
  return token;
}

export async function readGitHubToken(ctx: HandlerContext, reference: GitHubTokenReference): Promise<string> {
  const secret = await ctx.call('GetSecretValue', () =>
    ctx.clients.secretsManager.send(new GetSecretValueCommand({ SecretId: reference.tokenSecretArn })));
  // Register before any check can fail, so even a malformed secret's content is blanked.
  ctx.redactor.add(secret.SecretString);
  if (secret.SecretString === undefined) {
    throw new HandlerError(`Secret ${reference.tokenSecretArn} has no string value: store the token as a SecretString`);
  }
  const token = extractToken(secret.SecretString, reference);
  ctx.redactor.add(token);
  return token;
}
