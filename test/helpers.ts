import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

export const SEED_CODE_DIR = path.join(__dirname, 'fixtures', 'seed-code');
export const TOOLCHAIN_FILE = path.join(__dirname, 'fixtures', 'toolchain.yml');

/** A stack in a fresh app, with a fixed environment unless `envAgnostic`. */
export function newStack(id = 'Stack', options: { envAgnostic?: boolean; app?: App } = {}): Stack {
  const app = options.app ?? new App();
  return new Stack(app, id, options.envAgnostic ? {} : { env: { account: '123456789012', region: 'us-east-1' } });
}

/** Escapes a literal for use in `toThrow(new RegExp(...))`. */
export function literal(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** The statements of the CodeStar handler role's policy. */
export function handlerStatements(stack: Stack): any[] {
  const template = Template.fromStack(stack);
  const roles = template.findResources('AWS::IAM::Role', {
    Properties: { Description: 'cdk-codestar handler: manages the CodeStar projects, team members and user profiles of this stack' },
  });
  const roleIds = Object.keys(roles);
  expect(roleIds).toHaveLength(1);
  const policies = [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))]
    .filter((p: any) => (p.Properties.Roles ?? []).some((r: any) => r.Ref === roleIds[0]));
  // CDK renders a single resource as a string, several as a list: always a list here.
  return policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement)
    .map((s: any) => (s.Resource === undefined ? s : { ...s, Resource: [s.Resource].flat() }));
}

/** The handler policy statement with the given Sid. */
export function handlerStatement(stack: Stack, sid: string): any {
  return handlerStatements(stack).find((s) => s.Sid === sid);
}

/** The `DependsOn` of the only resource of a type whose path contains `pathPart`. */
export function dependsOn(stack: Stack, logicalId: string): string[] {
  return Template.fromStack(stack).toJSON().Resources[logicalId].DependsOn ?? [];
}

/** The logical id of the CfnResource of a construct. */
export function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: any } }): string {
  const child = construct.node.defaultChild;
  const cfn = child?.node?.defaultChild ?? child;
  return stack.resolve(cfn.logicalId);
}

/** The message of the error `fn` throws; fails the test when it throws nothing. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error, but nothing was thrown');
}
