import * as cdk from 'aws-cdk-lib';
import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * A finding of a compliance rule pack (cdk-nag's names) that cannot apply to one of the library's
 * resources, and why. The library fixes what it can; this is for the rest.
 */
export interface Suppression {
  /** The rule, `<pack>-<rule>` as cdk-nag 2 and 3 both name it: `AwsSolutions-IAM5`, `NIST.800.53.R5-LambdaDLQ`. */
  readonly rule: string;
  /**
   * The rule's findings this covers, for rules that report several per resource (`Resource::*`,
   * `Action::s3:*`): cdk-nag 2's `applies_to`, cdk-nag 3's `<rule>[<finding>]`. None: the rule as a
   * whole, for a rule that reports one finding per resource.
   */
  readonly findings?: readonly string[];
  /** Why the rule cannot apply, for the reader of a compliance report. */
  readonly reason: string;
}

/** The metadata key and entry format cdk-nag 2 reads on a CloudFormation resource. */
const CDK_NAG_METADATA = 'cdk_nag';
interface CdkNagEntry {
  readonly id: string;
  readonly reason: string;
  readonly applies_to?: readonly string[];
}

/** aws-cdk-lib's `Validations.of(scope).acknowledge(...)` (2.257.0 and later), which cdk-nag 3 reads. */
type Acknowledge = (...rules: Array<{ readonly id: string; readonly reason: string }>) => void;

/**
 * Records on `construct`'s CloudFormation resource (the construct itself, or its default child)
 * that the findings cannot apply, with their reasons, in both forms cdk-nag reads:
 *
 * - cdk-nag 2 (an aspect): `cdk_nag` template metadata, `{ rules_to_suppress: [{ id, reason, applies_to }] }`;
 * - cdk-nag 3 (a policy validation plugin): aws-cdk-lib's acknowledgements, one per finding
 *   (`AwsSolutions-IAM5[Resource::*]`, or the rule alone), when the installed aws-cdk-lib has
 *   `Validations.acknowledge`. Older ones (the peer floor, 2.174.0) do not: there is nothing to write.
 *
 * The library depends on neither cdk-nag: it writes what they read.
 */
export function suppressFindings(construct: IConstruct, suppressions: readonly Suppression[]): void {
  const resource = cfnResourceOf(construct);
  for (const suppression of suppressions) {
    if (suppression.reason.trim().length < 10) {
      // cdk-nag 2 rejects shorter reasons (at synthesis, on the user's machine): fail here instead.
      throw new Error(`${resource.node.path}: the suppression of ${suppression.rule} needs a reason of at least 10 characters`);
    }
    if (suppression.findings !== undefined && suppression.findings.length === 0) {
      throw new Error(`${resource.node.path}: the suppression of ${suppression.rule} lists no finding; omit findings to cover the rule`);
    }
  }

  const existing = (resource.getMetadata(CDK_NAG_METADATA) as { rules_to_suppress?: CdkNagEntry[] } | undefined)?.rules_to_suppress ?? [];
  resource.addMetadata(CDK_NAG_METADATA, {
    rules_to_suppress: [
      ...existing,
      ...suppressions.map((s): CdkNagEntry => ({ id: s.rule, reason: s.reason, ...(s.findings ? { applies_to: [...s.findings] } : {}) })),
    ],
  });

  const acknowledge = acknowledgerOf(resource);
  if (acknowledge !== undefined) {
    for (const s of suppressions) {
      // cdk-nag 3 matches acknowledgements by exact id: each finding is its own.
      for (const id of s.findings?.map(finding => `${s.rule}[${finding}]`) ?? [s.rule]) {
        acknowledge({ id, reason: s.reason });
      }
    }
  }
}

/** Whether the installed aws-cdk-lib records acknowledgements that cdk-nag 3 reads. */
export function hasValidationAcknowledgements(): boolean {
  return typeof validationsClass()?.prototype?.acknowledge === 'function';
}

function cfnResourceOf(construct: IConstruct): CfnResource {
  const candidate = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (candidate === undefined || !CfnResource.isCfnResource(candidate)) {
    throw new Error(`${construct.node.path}: findings are suppressed on a CloudFormation resource, and this construct has none as its default child`);
  }
  return candidate;
}

/** aws-cdk-lib's `Validations`, as far as the library uses it. */
interface ValidationsClass {
  readonly prototype?: { readonly acknowledge?: unknown };
  of(scope: IConstruct): { readonly acknowledge?: Acknowledge };
}

/** `Validations` of the installed aws-cdk-lib, read at run time: the library compiles against the floor's typings, which lack it. */
function validationsClass(): ValidationsClass | undefined {
  const validations = (cdk as unknown as { readonly Validations?: unknown }).Validations;
  return typeof validations === 'function' && typeof (validations as { readonly of?: unknown }).of === 'function'
    ? validations as unknown as ValidationsClass
    : undefined;
}

function acknowledgerOf(scope: IConstruct): Acknowledge | undefined {
  const validations = validationsClass()?.of(scope);
  const acknowledge = validations?.acknowledge;
  return typeof acknowledge === 'function' ? (...rules) => acknowledge.apply(validations, rules) : undefined;
}
