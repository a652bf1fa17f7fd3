import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ProviderSettings } from './function';
import { Suppression, suppressFindings } from '../compliance';

/**
 * The compliance findings (cdk-nag's AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1 and
 * Serverless packs) that cannot apply to the provider's function, each with its reason. The README's
 * Security section lists the same; test/security/cdk-nag*.test.ts pin them. Findings a setting
 * fixes (a VPC, a key) are not suppressed: the user chooses them.
 */

// The reasons are short: cdk-nag 2 reads them from the template, where every stack carries them. The
// README's Security section explains each at length.

/**
 * The function answers CloudFormation itself (SUCCESS, or FAILED with the reason, at the event's
 * pre-signed URL) for every event, and every CodeStar custom resource has a serviceTimeout, so an
 * event the function never takes fails its resource within that timeout: a dead-letter queue would
 * only keep requests whose response URLs have expired, with no one left to answer them.
 */
const DLQ_REASON = 'The function answers CloudFormation itself on every outcome, and each CodeStar resource has a serviceTimeout: '
  + 'a DLQ would hold only expired requests.';

/**
 * A reservation takes from the account's unreserved concurrency, which must keep 100, so a default
 * one would fail deployments in accounts at their limit; the function runs only for the stack's own
 * CodeStar resources, a few events per deployment.
 */
const CONCURRENCY_REASON = 'Reserved when CodeStarProvider reservedConcurrentExecutions is set; not by default, as a reservation takes '
  + 'from the account\'s unreserved concurrency.';

/** Active tracing would add xray:PutTraceSegments and xray:PutTelemetryRecords on `*` to the role. */
const TRACING_REASON = 'A few API calls per event, each logged; X-Ray would add xray:Put* on Resource::* to the role (AwsSolutions-IAM5).';

/** As AWSLambdaVPCAccessExecutionRole grants them; the interfaces do not exist before Lambda creates them. */
const NETWORK_INTERFACES_REASON = 'The EC2 network-interface actions of a function in a VPC (as AWSLambdaVPCAccessExecutionRole); '
  + 'ec2:DescribeNetworkInterfaces takes no resource.';

/** Suppresses the findings that cannot apply to the function, given its settings. */
export function explainFunctionFindings(fn: lambda.Function, settings: ProviderSettings): void {
  const suppressions: Suppression[] = [
    { rule: 'NIST.800.53.R5-LambdaDLQ', reason: DLQ_REASON },
    { rule: 'HIPAA.Security-LambdaDLQ', reason: DLQ_REASON },
    { rule: 'Serverless-LambdaDLQ', reason: DLQ_REASON },
    { rule: 'Serverless-LambdaTracing', reason: TRACING_REASON },
  ];
  if (settings.reservedConcurrentExecutions === undefined) {
    suppressions.push(
      { rule: 'NIST.800.53.R5-LambdaConcurrency', reason: CONCURRENCY_REASON },
      { rule: 'HIPAA.Security-LambdaConcurrency', reason: CONCURRENCY_REASON },
    );
  }
  suppressFindings(fn, suppressions);
}

/** Suppresses the wildcard of the network-interface statement, in the policy that holds it (with a vpc only). */
export function explainNetworkInterfaceFindings(policy: iam.Policy | iam.ManagedPolicy): void {
  suppressFindings(policy, [{ rule: 'AwsSolutions-IAM5', findings: ['Resource::*'], reason: NETWORK_INTERFACES_REASON }]);
}

/**
 * aws-cdk-lib's grants (`grantWrite`, `grantRead`, `addToPrincipalPolicy`) write the role's default
 * policy, an inline policy of this role only, created and deleted with it.
 */
const INLINE_POLICY_REASON = 'The role\'s default policy, where aws-cdk-lib\'s grants write: attached to this role only, created and deleted with it; '
  + 'the per-resource grants are managed policies.';

/** Suppresses IAMNoInlinePolicy in the packs that have it. */
function suppressInlinePolicyFinding(policy: iam.Policy, reason: string): void {
  suppressFindings(policy, ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'].map(pack => ({ rule: `${pack}-IAMNoInlinePolicy`, reason })));
}

/** Suppresses the inline-policy finding of the role's default policy. */
export function explainDefaultPolicyFindings(policy: iam.Policy): void {
  suppressInlinePolicyFinding(policy, INLINE_POLICY_REASON);
}

/**
 * The function's leave to invoke itself (stacks with projects) is a policy of its own, apart from
 * the default policy (which the function depends on: a cycle), and inline: a managed one would take
 * one of the role's 10 managed policies, which the grant chunks need (a chunk and its replacement).
 */
const CONTINUE_POLICY_REASON = 'The function\'s leave to invoke itself, on its own ARN: attached to this role only, created and deleted with it; '
  + 'the role\'s 10 managed policies are kept for the grant chunks.';

/** Suppresses the inline-policy finding of the function's leave to invoke itself. */
export function explainContinueFindings(policy: iam.Policy): void {
  suppressInlinePolicyFinding(policy, CONTINUE_POLICY_REASON);
}
