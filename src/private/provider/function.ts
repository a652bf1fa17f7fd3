import * as path from 'path';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { explainFunctionFindings, explainNetworkInterfaceFindings } from './findings';
import { newestNodeRuntime } from './runtime';
import { HANDLER_TIMEOUT } from './timeouts';
import type { CodeStarProviderProps } from '../../provider';
import { HANDLER_ENTRY } from '../contract';

/** The bundled handler (`npx projen bundle:handler`), shipped in the npm package next to `lib/`. */
const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', '..', 'assets', 'handler');

/**
 * Memory unless the settings say otherwise: more than Lambda's 128 MiB default, which also buys CPU
 * for loading the bundle on a cold start (Serverless-LambdaDefaultMemorySize).
 */
export const DEFAULT_MEMORY_SIZE = 256;

/** Log retention unless the settings say otherwise. */
const DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH;

/**
 * The metadata by which aws-cdk-lib's `CustomResourceConfig` finds the log groups and functions of
 * custom resource providers (aws-cdk-lib/custom-resources, custom-resource-config), so that
 * `addLogRetentionLifetime`, `addRemovalPolicy` and `addLambdaRuntime` work on this provider too.
 */
const CUSTOM_RESOURCE_LOG_GROUP = 'aws:cdk:is-custom-resource-handler-logGroup';
const CUSTOM_RESOURCE_RUNTIME_FAMILY = 'aws:cdk:is-custom-resource-handler-runtime-family';

/**
 * The logical id of the provider's function, whatever the provider's settings or the id of a
 * declared `CodeStarProvider`. It is the id the Provider framework's entry function had in stacks
 * deployed with earlier releases, so that upgrading updates that function in place: every custom
 * resource's ServiceToken keeps its value, which CloudFormation does not let change ("Modifying
 * service token is not allowed"). test/contract.test.ts pins it.
 */
export const FUNCTION_LOGICAL_ID = 'CodeStarProvider8f3c2aProviderframeworkonEvent737B3291';

/** The provider's settings: the props of the stack's `CodeStarProvider` (a type only: no import at run time). */
export type ProviderSettings = CodeStarProviderProps;

/** The provider's function and its log group, made with the settings. */
export class ProviderFunction {
  public readonly function: lambda.Function;

  constructor(scope: Construct, role: iam.Role, settings: ProviderSettings) {
    const key = settings.encryptionKey;
    const logGroup = new logs.LogGroup(scope, 'Logs', {
      retention: settings.logRetention ?? DEFAULT_LOG_RETENTION,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.node.addMetadata(CUSTOM_RESOURCE_LOG_GROUP, true);
    logGroup.grantWrite(role);
    if (key) {
      // CloudWatch Logs encrypts with the key on the log group's behalf: the key's policy must let it.
      key.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${Stack.of(scope).region}.amazonaws.com`));
    }
    if (settings.vpc) {
      // The function's network interfaces, which EC2 offers no resource-level permission for.
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: ['*'],
      }));
      explainNetworkInterfaceFindings(role.node.findChild('DefaultPolicy') as iam.Policy);
    }

    const runtime = settings.runtime ?? newestNodeRuntime();
    this.function = new lambda.Function(scope, 'Handler', {
      code: lambda.Code.fromAsset(HANDLER_ASSET_DIR),
      handler: HANDLER_ENTRY,
      runtime,
      architecture: settings.architecture,
      memorySize: settings.memorySize ?? DEFAULT_MEMORY_SIZE,
      reservedConcurrentExecutions: settings.reservedConcurrentExecutions,
      timeout: HANDLER_TIMEOUT,
      role,
      logGroup,
      environmentEncryption: key,
      vpc: settings.vpc,
      vpcSubnets: settings.vpcSubnets,
      securityGroups: settings.securityGroups,
      description: 'cdk-codestar: CodeStar projects, team members and user profiles',
    });
    (this.function.node.defaultChild as lambda.CfnFunction).overrideLogicalId(FUNCTION_LOGICAL_ID);
    this.function.node.addMetadata(CUSTOM_RESOURCE_RUNTIME_FAMILY, runtime.family);
    explainFunctionFindings(this.function, settings);
  }
}
