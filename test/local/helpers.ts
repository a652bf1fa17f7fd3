import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CodeStarClient } from '@aws-sdk/client-codestar';
import type { CfnTemplate } from '../../src/local/cfn/template';

export const ACCOUNT = '123456789012';

export const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

/** The real SDK client, pointed at a local endpoint, with fake credentials and no retries. */
export function codeStarClient(url: string): CodeStarClient {
  return new CodeStarClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' },
    maxAttempts: 1,
  });
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

export function tempDir(prefix = 'cdk-codestar-local-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Writes a minimal cloud assembly: manifest.json plus one template per stack. `dependencies` maps a
 * stack to the stacks it depends on.
 */
export function writeAssembly(
  dir: string,
  stacks: Record<string, CfnTemplate>,
  options: { dependencies?: Record<string, string[]>; environment?: string } = {},
): string {
  fs.mkdirSync(dir, { recursive: true });
  const artifacts: Record<string, unknown> = {};
  for (const [name, template] of Object.entries(stacks)) {
    const templateFile = `${name}.template.json`;
    fs.writeFileSync(path.join(dir, templateFile), JSON.stringify(template, undefined, 1));
    artifacts[name] = {
      type: 'aws:cloudformation:stack',
      environment: options.environment ?? 'aws://unknown-account/unknown-region',
      properties: { templateFile },
      dependencies: [...(options.dependencies?.[name] ?? []), `${name}.assets`],
    };
    artifacts[`${name}.assets`] = { type: 'cdk:asset-manifest', properties: { file: `${name}.assets.json` } };
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '38.0.1', artifacts }, undefined, 1));
  return dir;
}
