import * as fs from 'node:fs';
import * as cdk from 'aws-cdk-lib';
import { App, CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { hasValidationAcknowledgements, suppressFindings } from '../../src/private/compliance';

/**
 * The compliance helper (src/private/compliance.ts) writes a suppression in both forms cdk-nag
 * reads: cdk-nag 2's `cdk_nag` template metadata, always, and aws-cdk-lib's acknowledgements (which
 * cdk-nag 3 reads) where the installed aws-cdk-lib has `Validations.acknowledge`. CI runs this file
 * on the floor (aws-cdk-lib 2.174.0, which has no `Validations`) and on the newest 2.x with cdk-nag 3
 * (scripts/newest-cdk.sh sets CDK_CODESTAR_CDK_FLAVOUR=newest and installs it as `cdk-nag-v3`).
 */

const NEWEST = process.env.CDK_CODESTAR_CDK_FLAVOUR === 'newest';
const CDK_VERSION: string = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf-8')).version;
const ACKNOWLEDGED = 'aws:cdk:acknowledged-rules';

const REASON = 'cannot apply to a custom-resource handler, for the reason given here';

function newStack(): Stack {
  return new Stack(new App(), 'Stack');
}

function templateMetadata(stack: Stack, resource: CfnResource): any {
  (stack.node.root as App).synth();
  return stack.resolve((resource as any).cfnOptions.metadata);
}

function acknowledgements(construct: Construct): Record<string, string> {
  return Object.assign({}, ...construct.node.metadata.filter(m => m.type === ACKNOWLEDGED).map(m => m.data));
}

describe('cdk-nag 2: the cdk_nag metadata', () => {
  test('is written on the default child of an L2, with the reason and, for findings, applies_to', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    suppressFindings(bucket, [
      { rule: 'AwsSolutions-S1', reason: REASON },
      { rule: 'AwsSolutions-IAM5', findings: ['Resource::*', 'Action::s3:*'], reason: REASON },
    ]);
    const cfn = bucket.node.defaultChild as CfnResource;
    expect(cfn.getMetadata('cdk_nag')).toEqual({
      rules_to_suppress: [
        { id: 'AwsSolutions-S1', reason: REASON },
        { id: 'AwsSolutions-IAM5', reason: REASON, applies_to: ['Resource::*', 'Action::s3:*'] },
      ],
    });
    expect(templateMetadata(stack, cfn).cdk_nag.rules_to_suppress).toHaveLength(2);
  });

  test('is added to, never replaced, by later calls and by suppressions written before', () => {
    const stack = newStack();
    const cfn = new s3.CfnBucket(stack, 'Bucket');
    cfn.addMetadata('cdk_nag', { rules_to_suppress: [{ id: 'AwsSolutions-S10', reason: 'the app said so, before the library' }] });
    suppressFindings(cfn, [{ rule: 'AwsSolutions-S1', reason: REASON }]);
    suppressFindings(cfn, [{ rule: 'AwsSolutions-S2', reason: REASON }]);
    expect((cfn.getMetadata('cdk_nag') as any).rules_to_suppress.map((r: any) => r.id)).toEqual(['AwsSolutions-S10', 'AwsSolutions-S1', 'AwsSolutions-S2']);
  });

  test('fails when a reason is shorter than cdk-nag 2 accepts (10 characters)', () => {
    const stack = newStack();
    expect(() => suppressFindings(new s3.Bucket(stack, 'Bucket'), [{ rule: 'AwsSolutions-S1', reason: 'too short' }]))
      .toThrow(/Stack\/Bucket\/Resource: the suppression of AwsSolutions-S1 needs a reason of at least 10 characters/);
  });

  test('fails when findings are given but empty (which would read as the whole rule)', () => {
    const stack = newStack();
    expect(() => suppressFindings(new s3.Bucket(stack, 'Bucket'), [{ rule: 'AwsSolutions-IAM5', findings: [], reason: REASON }]))
      .toThrow(/the suppression of AwsSolutions-IAM5 lists no finding/);
  });

  test('fails on a construct without a CloudFormation resource as its default child', () => {
    const stack = newStack();
    expect(() => suppressFindings(new Construct(stack, 'Plain'), [{ rule: 'AwsSolutions-S1', reason: REASON }]))
      .toThrow(/Stack\/Plain: findings are suppressed on a CloudFormation resource/);
  });
});

describe(`aws-cdk-lib ${CDK_VERSION}: acknowledgements for cdk-nag 3`, () => {
  test(NEWEST ? 'the newest aws-cdk-lib has Validations.acknowledge' : `aws-cdk-lib ${CDK_VERSION} (the floor) has no Validations.acknowledge`, () => {
    // The floor run must not find them (or the feature detection would be tested nowhere), the newest must.
    expect(hasValidationAcknowledgements()).toBe(NEWEST);
  });

  test(NEWEST ? 'are recorded, one per finding, on the CloudFormation resource' : 'are not written, and nothing else breaks', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    suppressFindings(bucket, [
      { rule: 'AwsSolutions-S1', reason: REASON },
      { rule: 'AwsSolutions-IAM5', findings: ['Resource::*', 'Action::s3:*'], reason: `${REASON} (IAM5)` },
    ]);
    const cfn = bucket.node.defaultChild as CfnResource;
    if (!NEWEST) {
      expect(cfn.node.metadata.filter(m => m.type === ACKNOWLEDGED)).toEqual([]);
      return;
    }
    // aws-cdk-lib qualifies an id without a plugin prefix as an annotation id; cdk-nag 3 strips that prefix.
    const ids = acknowledgements(cfn);
    expect(Object.fromEntries(Object.entries(ids).map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason]))).toEqual({
      'AwsSolutions-S1': REASON,
      'AwsSolutions-IAM5[Resource::*]': `${REASON} (IAM5)`,
      'AwsSolutions-IAM5[Action::s3:*]': `${REASON} (IAM5)`,
    });
  });

  // cdk-nag 3 itself: what it reads is what the helper writes. Skipped, by name, where it is not installed.
  // Loaded only in the newest run, where scripts/newest-cdk.sh installs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nag3 = NEWEST ? require('cdk-nag-v3') : undefined;
  const withNag3 = NEWEST ? test : test.skip;
  withNag3(NEWEST ? 'cdk-nag 3 honours them: only the findings not suppressed are reported'
    : 'cdk-nag 3 honours them (skipped: cdk-nag 3 is not installed on the floor; scripts/newest-cdk.sh runs it)', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const suppressed = new s3.Bucket(stack, 'Suppressed', { enforceSSL: true });
    new s3.Bucket(stack, 'Open', { enforceSSL: true });
    const user = new iam.User(stack, 'User');
    user.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));
    suppressFindings(suppressed, [{ rule: 'AwsSolutions-S1', reason: REASON }]);
    suppressFindings(user.node.findChild('DefaultPolicy'), [{ rule: 'AwsSolutions-IAM5', findings: ['Resource::*'], reason: REASON }]);

    const pack = new nag3.AwsSolutionsChecks(app);
    const found = pack.validateScope(app).violations
      .flatMap((v: any) => v.violatingResources.map((r: any) => `${r.constructPath} ${v.ruleName}`)).sort();
    expect(found).toEqual([
      'Stack/Open/Resource AwsSolutions-S1',
      'Stack/User/DefaultPolicy/Resource AwsSolutions-IAM5[Action::s3:*]',
    ]);
  });
});

test('reads Validations from aws-cdk-lib at run time only (the library compiles against the floor\'s typings)', () => {
  expect(typeof (cdk as any).Validations === 'function').toBe(NEWEST);
});
