import { CfnResource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as cr from 'aws-cdk-lib/custom-resources';
import { IConstruct } from 'constructs';

/**
 * What this library changes on the resources of aws-cdk-lib's Provider framework (its three
 * functions, their roles and the waiter state machine), which `cr.Provider` offers no option for.
 * Everything is found by type under the provider, never by a construct id of aws-cdk-lib's.
 */

/** A cdk-nag suppression, in the metadata format cdk-nag reads (`cdk_nag.rules_to_suppress`). */
export interface NagSuppression {
  readonly id: string;
  readonly reason: string;
  /** Findings (or `{ regex: '/.../' }`) the suppression is limited to. */
  readonly applies_to?: ReadonlyArray<string | { readonly regex: string }>;
}

/** `<function ARN>:*`: the versions and aliases of a function, which `grantInvoke` adds next to its ARN. */
const FUNCTION_VERSIONS = { regex: '/^Resource::<[A-Za-z0-9]+\\.Arn>:\\*$/' };

const FRAMEWORK_ROLE: NagSuppression[] = [{
  id: 'AwsSolutions-IAM4',
  reason: 'aws-cdk-lib Provider framework function: its role has AWSLambdaBasicExecutionRole (CloudWatch Logs writes only), '
    + 'set by aws-cdk-lib with no option to replace it.',
  applies_to: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
}];

const FRAMEWORK_POLICY: NagSuppression[] = [{
  id: 'AwsSolutions-IAM5',
  reason: 'aws-cdk-lib Provider framework: lambda:InvokeFunction on the versions and aliases (`<ARN>:*`) of the two '
    + 'cdk-codestar handler functions, as grantInvoke writes it; no other function.',
  applies_to: [FUNCTION_VERSIONS],
}];

const WAITER_POLICY: NagSuppression[] = [{
  id: 'AwsSolutions-IAM5',
  reason: 'aws-cdk-lib Provider framework waiter: the CloudWatch Logs vended-log delivery actions it needs to log '
    + '(logs:CreateLogDelivery, PutResourcePolicy, ...) support no resource-level permissions, hence "*"; and '
    + 'lambda:InvokeFunction on the versions and aliases of the framework\'s own isComplete and onTimeout functions.',
  applies_to: ['Resource::*', FUNCTION_VERSIONS],
}];

const FRAMEWORK_RUNTIME = 'aws-cdk-lib Provider framework function: aws-cdk-lib chooses its Node.js runtime per region '
  + '(a CloudFormation mapping, LatestNodeRuntimeMap, in environment-agnostic stacks) and Provider offers no option to change it';

const FRAMEWORK_FUNCTION: NagSuppression[] = [{
  id: 'AwsSolutions-L1',
  reason: `${FRAMEWORK_RUNTIME}; the framework code uses only the runtime's own AWS SDK.`,
}, {
  id: 'CdkNagValidationFailure',
  reason: `${FRAMEWORK_RUNTIME}, and cdk-nag cannot resolve the mapping at synthesis.`,
  applies_to: ['AwsSolutions-L1'],
}];

const WAITER_STATE_MACHINE: NagSuppression[] = [{
  id: 'AwsSolutions-SF2',
  reason: 'aws-cdk-lib Provider framework waiter: a two-state machine that polls one Lambda function at a fixed interval; '
    + 'Provider offers no tracing option, and X-Ray would add xray:Put* on "*" to its role for no diagnostic gain '
    + '(each poll is logged, without execution data).',
}];

/** The waiter's log settings: every state transition (AwsSolutions-SF1), never the execution data. */
export const WAITER_LOG_LEVEL = sfn.LogLevel.ALL;

/**
 * Turns off the application log of the framework's functions. They log every request they relay,
 * resource properties included (user profiles' email addresses, display names and SSH keys,
 * project names, template parameter values; aws/aws-cdk#30275), and while a project is being
 * created they dump the whole event as an error on every poll. JSON log format with application
 * log level FATAL keeps Lambda's own START/END/REPORT lines and drops the rest; the handler's own
 * log records every request, without a property value.
 */
export function quietFrameworkLogs(provider: cr.Provider): void {
  for (const fn of provider.node.findAll()) {
    if (fn instanceof lambda.CfnFunction) {
      fn.addPropertyOverride('LoggingConfig.LogFormat', 'JSON');
      fn.addPropertyOverride('LoggingConfig.ApplicationLogLevel', 'FATAL');
    }
  }
}

/**
 * Attaches a cdk-nag suppression with its reason to each finding that belongs to the framework's
 * own resources, as `cdk_nag` metadata (the library does not depend on cdk-nag). Findings on the
 * library's own handler, role and log groups are fixed, not suppressed.
 */
export function explainFrameworkFindings(provider: cr.Provider): void {
  // The waiter is the provider's child that holds the state machine, with its role and policy.
  const waiter = provider.node.children.find(child => child.node.children.some(c => c instanceof sfn.CfnStateMachine));
  const inWaiter = (construct: IConstruct) => waiter !== undefined && construct.node.scopes.includes(waiter);
  for (const construct of provider.node.findAll()) {
    if (construct instanceof lambda.CfnFunction) {
      suppress(construct, FRAMEWORK_FUNCTION);
    } else if (construct instanceof iam.CfnRole && !inWaiter(construct)) {
      suppress(construct, FRAMEWORK_ROLE);
    } else if (construct instanceof iam.CfnPolicy) {
      suppress(construct, inWaiter(construct) ? WAITER_POLICY : FRAMEWORK_POLICY);
    } else if (construct instanceof sfn.CfnStateMachine) {
      suppress(construct, WAITER_STATE_MACHINE);
    }
  }
}

function suppress(resource: CfnResource, suppressions: readonly NagSuppression[]): void {
  const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: NagSuppression[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...suppressions] });
}
