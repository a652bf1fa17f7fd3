import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { StackProvider } from './private/provider';

/**
 * Settings of the Lambda function that serves a stack's CodeStar resources.
 */
export interface CodeStarProviderProps {
  /**
   * The VPC to run the function in. It calls the CodeStar, IAM, Secrets Manager and Lambda APIs
   * (Lambda: to go on waiting for a project in a new invocation of itself), so its subnets need a
   * route to them: a NAT gateway, or VPC endpoints for each.
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * Where in `vpc` to place the function.
   *
   * @default - the VPC's private subnets (aws-cdk-lib's default for a Lambda function)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The security groups of the function in `vpc`.
   *
   * @default - a new security group that allows all outbound traffic
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * The customer managed key that encrypts the function's log group and its environment. The
   * key's policy is extended to let CloudWatch Logs use it (for a key defined in the app; an
   * imported key's policy must allow `logs.<region>.amazonaws.com` already).
   *
   * @default - AWS managed keys
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long the function's log is kept.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The function's runtime: a Node.js runtime, Node.js 22 or newer.
   *
   * @default - the newest Node.js runtime the installed aws-cdk-lib knows, and at least Node.js 22
   */
  readonly runtime?: lambda.Runtime;

  /**
   * The function's instruction set.
   *
   * @default lambda.Architecture.X86_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * The function's memory, in MiB (128 to 10240).
   *
   * @default 256
   */
  readonly memorySize?: number;

  /**
   * Concurrent executions reserved for the function. CodeStar resources are few and the function
   * answers each in seconds: 1 to 5 is plenty. Reserved concurrency is taken from the account's
   * unreserved pool, which must keep at least 100.
   *
   * @default - no reservation (the account's unreserved concurrency)
   */
  readonly reservedConcurrentExecutions?: number;
}

/**
 * The settings of the Lambda function that serves the CodeStar resources of a stack: its VPC, key,
 * log retention, runtime, architecture, memory and concurrency.
 *
 * Optional: without one, a stack's first CodeStar resource makes the provider with the defaults.
 * A stack has at most one; every CodeStar resource of the stack uses it, whether they are declared
 * before or after it. The function, its role, policies and log group are placed in the stack under
 * the id `CodeStarProvider8f3c2a`, not under this construct: declaring a `CodeStarProvider` in a
 * deployed stack then updates the function in place, since CloudFormation does not let a custom
 * resource's service token change.
 *
 * `CustomResourceConfig` (aws-cdk-lib/custom-resources) works on its log group and function as on
 * aws-cdk-lib's own custom resources.
 *
 * @example
 * declare const vpc: ec2.IVpc;
 * declare const key: kms.IKey;
 * new CodeStarProvider(this, 'CodeStarProvider', { vpc, encryptionKey: key, reservedConcurrentExecutions: 2 });
 */
export class CodeStarProvider extends Construct {
  constructor(scope: Construct, id: string, props: CodeStarProviderProps = {}) {
    super(scope, id);
    validate(this, props);
    StackProvider.getOrCreate(this).configure(this.node.path, props);
  }
}

function validate(scope: Construct, props: CodeStarProviderProps): void {
  const problems: string[] = [];
  const invalid = (property: string, value: unknown, rule: string) => {
    problems.push(`CodeStarProvider ${property} ${JSON.stringify(value)} is invalid: ${rule}`);
  };
  const { memorySize, reservedConcurrentExecutions, runtime } = props;
  if (memorySize !== undefined && !Token.isUnresolved(memorySize) && !(Number.isInteger(memorySize) && memorySize >= 128 && memorySize <= 10240)) {
    invalid('memorySize', memorySize, 'an integer from 128 to 10240 (MiB)');
  }
  if (reservedConcurrentExecutions !== undefined && !Token.isUnresolved(reservedConcurrentExecutions)
    && !(Number.isInteger(reservedConcurrentExecutions) && reservedConcurrentExecutions >= 1)) {
    invalid('reservedConcurrentExecutions', reservedConcurrentExecutions, 'an integer of at least 1 (0 would stop the function from running)');
  }
  if (runtime !== undefined) {
    const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
    if (runtime.family !== lambda.RuntimeFamily.NODEJS || major === undefined || Number(major) < 22) {
      invalid('runtime', runtime.name, 'a Node.js runtime, nodejs22.x or newer (the handler is built for Node.js 22)');
    }
  }
  if (props.vpc === undefined) {
    for (const property of ['vpcSubnets', 'securityGroups'] as const) {
      if (props[property] !== undefined) {
        problems.push(`CodeStarProvider ${property} is set without vpc: it places the function in a VPC, so it needs vpc`);
      }
    }
  }
  if (problems.length > 0) {
    throw new Error(`${scope.node.path}: ${problems.join('; ')}`);
  }
}
