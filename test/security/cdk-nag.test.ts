import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, CfnResource, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  AwsSolutionsChecks, HIPAASecurityChecks, INagLogger, NagLoggerComplianceData, NagLoggerErrorData, NagLoggerNonComplianceData,
  NagLoggerNotApplicableData, NagLoggerSuppressedData, NagLoggerSuppressedErrorData, NagMessageLevel, NIST80053R5Checks, PCIDSS321Checks,
  ServerlessChecks,
} from 'cdk-nag';
import { addExampleStack } from '../../examples/app';
import { CodeDestination, CodeStarProject, CodeStarProvider, GitHubOwnerType, ProjectRole, ProjectSource, TeamMember, Toolchain, UserProfile } from '../../src';
import { SEED_CODE_DIR, TOOLCHAIN_FILE } from '../helpers';

/**
 * cdk-nag 2 (an aspect that reads `cdk_nag` metadata) over the library's resources. The library
 * fixes what it can on its own resources; what cannot apply to a custom-resource handler is
 * suppressed by the library itself, each with its reason, as `cdk_nag` metadata on exactly that
 * resource (src/private/provider/findings.ts, through src/private/compliance.ts). The library does
 * not depend on cdk-nag.
 *
 * - AwsSolutions over the example app, default settings: no finding, error or warning, and none
 *   suppressed (nothing needs to be).
 * - The five packs (AwsSolutions, NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1, Serverless) over a
 *   stack that imports a project, declares a member and a profile, and a CodeStarProvider with a
 *   VPC and a key: no open finding on the library's resources, and exactly the suppressions listed.
 *   The test's own VPC and key have findings of their own: they are the app's, not the library's,
 *   and do not count.
 *
 * CI runs this file on the floor (aws-cdk-lib 2.174.0, cdk-nag 2.36.50) and on the newest 2.x with
 * the newest cdk-nag 2 (scripts/newest-cdk.sh). cdk-nag 3: cdk-nag-v3.test.ts.
 */

interface Finding {
  readonly path: string;
  readonly rule: string;
  readonly level: string;
  readonly reason?: string;
}

/** Records every finding, suppressed or not, with the path of the resource it is on. */
class Recorder implements INagLogger {
  public readonly open: Finding[] = [];
  public readonly suppressed: Finding[] = [];

  public onCompliance(_data: NagLoggerComplianceData): void {}
  public onNotApplicable(_data: NagLoggerNotApplicableData): void {}
  public onNonCompliance(data: NagLoggerNonComplianceData): void {
    this.open.push({ path: data.resource.node.path, rule: `${data.ruleId}${findingOf(data)}`, level: data.ruleLevel });
  }
  public onSuppressed(data: NagLoggerSuppressedData): void {
    this.suppressed.push({ path: data.resource.node.path, rule: `${data.ruleId}${findingOf(data)}`, level: data.ruleLevel, reason: data.suppressionReason });
  }
  public onError(data: NagLoggerErrorData): void {
    this.open.push({ path: data.resource.node.path, rule: `CdkNagValidationFailure[${data.ruleId}]`, level: NagMessageLevel.WARN });
  }
  public onSuppressedError(data: NagLoggerSuppressedErrorData): void {
    this.suppressed.push({ path: data.resource.node.path, rule: `CdkNagValidationFailure[${data.ruleId}]`, level: NagMessageLevel.WARN, reason: data.errorSuppressionReason });
  }
}

function findingOf(data: NagLoggerNonComplianceData): string {
  return data.findingId === data.ruleId || !data.findingId ? '' : `[${data.findingId}]`;
}

const PACKS = { AwsSolutionsChecks, NIST80053R5Checks, HIPAASecurityChecks, PCIDSS321Checks, ServerlessChecks };
const FIVE_PACKS = Object.keys(PACKS) as Array<keyof typeof PACKS>;

function check(stack: Stack, packs: ReadonlyArray<keyof typeof PACKS> = ['AwsSolutionsChecks']): Recorder {
  const recorder = new Recorder();
  for (const pack of packs) {
    Aspects.of(stack).add(new PACKS[pack]({ verbose: true, reports: false, additionalLoggers: [recorder] }));
  }
  (stack.node.root as App).synth();
  return recorder;
}

/** `path rule` with the stack's name taken off, sorted and unique: what a reader compares. */
function listed(findings: readonly Finding[], stackName: string): string[] {
  return [...new Set(findings.map(f => `${f.path.slice(stackName.length + 1)} ${f.rule}`))].sort();
}

/** The provider's resources: in the stack under the provider's id (not under a declared CodeStarProvider). */
const PROVIDER = 'CodeStarProvider8f3c2a';

/**
 * What the library suppresses on its function, in every stack, and why (src/private/provider/findings.ts):
 * none of them is an AwsSolutions rule.
 */
const FUNCTION_SUPPRESSIONS = [
  'HIPAA.Security-LambdaConcurrency',
  'HIPAA.Security-LambdaDLQ',
  'NIST.800.53.R5-LambdaConcurrency',
  'NIST.800.53.R5-LambdaDLQ',
  'Serverless-LambdaDLQ',
  'Serverless-LambdaTracing',
];

/** What the library suppresses on its role's default policy (aws-cdk-lib's grants write there): an inline policy. */
const DEFAULT_POLICY_SUPPRESSIONS = [
  'HIPAA.Security-IAMNoInlinePolicy',
  'NIST.800.53.R5-IAMNoInlinePolicy',
  'PCI.DSS.321-IAMNoInlinePolicy',
];

/** Every suppression the library makes in a stack without projects, by resource path under the stack. */
const LIBRARY_SUPPRESSIONS = [
  ...FUNCTION_SUPPRESSIONS.map(rule => `${PROVIDER}/Handler/Resource ${rule}`),
  ...DEFAULT_POLICY_SUPPRESSIONS.map(rule => `${PROVIDER}/Role/DefaultPolicy/Resource ${rule}`),
].sort();

/**
 * With a project, also on the function's leave to invoke itself: an inline policy of its own (the
 * role's managed policies are the grant chunks'), for the same rules as the default policy.
 */
const WITH_PROJECTS_SUPPRESSIONS = [
  ...LIBRARY_SUPPRESSIONS,
  ...DEFAULT_POLICY_SUPPRESSIONS.map(rule => `${PROVIDER}/Continue/Resource ${rule}`),
].sort();

describe.each(['initial', 'changed'] as const)('the example app (%s), AwsSolutions', (stage) => {
  const app = new App();
  const stack = addExampleStack(app, stage);
  const recorder = check(stack);

  test('has no finding that is not suppressed, error or warning', () => {
    expect(recorder.open).toEqual([]);
  });

  test('needs no suppression: the default provider has no AwsSolutions finding', () => {
    expect(recorder.suppressed).toEqual([]);
  });

  test('the library\'s suppressions are on its function and its inline policies only, for other packs\' rules, each with its reason', () => {
    const suppressions = app.node.findAll()
      .filter(c => CfnResource.isCfnResource(c) && c.getMetadata('cdk_nag') !== undefined)
      .flatMap(c => ((c as CfnResource).getMetadata('cdk_nag').rules_to_suppress as any[]).map(r => ({ path: c.node.path, ...r })));
    expect([...new Set(suppressions.map(s => `${s.path.slice(stack.stackName.length + 1)} ${s.id}`))].sort())
      .toEqual(WITH_PROJECTS_SUPPRESSIONS);
    for (const s of suppressions) {
      expect([s.id, s.reason.length >= 80, s.applies_to]).toEqual([s.id, true, undefined]);
    }
  });
});

/** The path (without the stack's name) of the one policy that grants the function's network-interface actions. */
function networkInterfacePolicy(stack: Stack): string {
  const holders = stack.node.findAll()
    .filter(c => CfnResource.isCfnResource(c) && ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'].includes(c.cfnResourceType))
    .filter(c => JSON.stringify(stack.resolve((c as any)._toCloudFormation())).includes('ec2:CreateNetworkInterface'))
    .map(c => c.node.path.slice(stack.stackName.length + 1));
  expect(holders).toHaveLength(1);
  return holders[0];
}

/** The stack of issue 12: an imported project, one member, one profile; the provider's settings optional. */
function importingStack(settings: 'default' | 'vpc and key'): { stack: Stack; library: RegExp } {
  const app = new App();
  const stack = new Stack(app, 'Importing', { env: { account: '123456789012', region: 'us-east-1' } });
  const project = CodeStarProject.fromProjectId(stack, 'Legacy', 'legacy-app');
  const user = new iam.User(stack, 'User');
  new TeamMember(stack, 'Member', { project, user, role: ProjectRole.CONTRIBUTOR });
  new UserProfile(stack, 'Profile', { user, displayName: 'U', emailAddress: 'u@example.org' });
  if (settings === 'vpc and key') {
    const vpc = new ec2.Vpc(stack, 'Vpc');
    const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new CodeStarProvider(stack, 'Provider', { vpc, encryptionKey });
  }
  // The library's resources: its provider, the declared CodeStarProvider, the custom resources.
  return { stack, library: new RegExp(`^Importing/(${PROVIDER}|Provider|Legacy|Member|Profile)/`) };
}

describe('the five packs over a stack that imports a project, with vpc and encryptionKey', () => {
  const { stack, library } = importingStack('vpc and key');
  const recorder = check(stack, FIVE_PACKS);
  const own = (findings: Finding[]) => findings.filter(f => library.test(f.path));

  test('have no open finding on the library\'s resources, error or warning', () => {
    expect(listed(own(recorder.open), stack.stackName)).toEqual([]);
  });

  test('suppress exactly these on the library\'s resources, each with its reason', () => {
    expect(listed(own(recorder.suppressed), stack.stackName)).toEqual([
      ...LIBRARY_SUPPRESSIONS,
      // The network-interface statement a function in a VPC needs, in whichever of the role's policies holds it.
      `${networkInterfacePolicy(stack)} AwsSolutions-IAM5[Resource::*]`,
    ].sort());
    for (const finding of own(recorder.suppressed)) {
      expect([finding.rule, (finding.reason ?? '').length >= 80]).toEqual([finding.rule, true]);
    }
  });

  test('suppress nothing that is not the library\'s (the app\'s VPC and key are the app\'s to fix)', () => {
    expect(recorder.suppressed.filter(f => !library.test(f.path))).toEqual([]);
  });
});

describe('the five packs over the example app (a project: its grants and its continuation) with vpc and encryptionKey', () => {
  const app = new App();
  const stack = addExampleStack(app, 'initial');
  new CodeStarProvider(stack, 'Provider', { vpc: new ec2.Vpc(stack, 'Vpc'), encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
  const recorder = check(stack, FIVE_PACKS);

  test('have no open finding on the library\'s resources, error or warning', () => {
    const library = new RegExp(`^${stack.stackName}/(${PROVIDER}|Provider|Project|[A-Za-z]+Profile|[A-Za-z]+Member)/`);
    expect(listed(recorder.open.filter(f => library.test(f.path)), stack.stackName)).toEqual([]);
  });
});

test('the five packs with default settings: open on the library\'s resources are only what vpc and encryptionKey fix', () => {
  const { stack, library } = importingStack('default');
  const recorder = check(stack, FIVE_PACKS);
  expect(listed(recorder.open.filter(f => library.test(f.path)), stack.stackName)).toEqual([
    `${PROVIDER}/Handler/Resource HIPAA.Security-LambdaInsideVPC`,
    `${PROVIDER}/Handler/Resource NIST.800.53.R5-LambdaInsideVPC`,
    `${PROVIDER}/Handler/Resource PCI.DSS.321-LambdaInsideVPC`,
    `${PROVIDER}/Logs/Resource HIPAA.Security-CloudWatchLogGroupEncrypted`,
    `${PROVIDER}/Logs/Resource NIST.800.53.R5-CloudWatchLogGroupEncrypted`,
    `${PROVIDER}/Logs/Resource PCI.DSS.321-CloudWatchLogGroupEncrypted`,
  ]);
});

test('a richer app: no open finding on a resource of the library, whatever the app declares', () => {
  const app = new App();
  const stack = new Stack(app, 'Rich', { env: { account: '123456789012', region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const token = new secretsmanager.Secret(stack, 'Token', { encryptionKey: key });
  const bucket = new s3.Bucket(stack, 'Sources', { encryptionKey: key, enforceSSL: true, removalPolicy: RemovalPolicy.DESTROY });
  const role = new iam.Role(stack, 'ToolchainRole', { assumedBy: new iam.ServicePrincipal('codestar.amazonaws.com') });
  const project = new CodeStarProject(stack, 'Project', {
    projectId: 'rich-app',
    projectName: 'Rich',
    sourceCode: [
      { source: ProjectSource.fromBucket(bucket, 'seed.zip'), destination: CodeDestination.gitHub({ repositoryName: 'rich', owner: 'octo', ownerType: GitHubOwnerType.USER, token }) },
      { source: ProjectSource.fromAsset(SEED_CODE_DIR), destination: CodeDestination.codeCommit({ repositoryName: 'rich' }) },
    ],
    toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { role }),
  });
  const user = new iam.User(stack, 'User');
  new UserProfile(stack, 'Profile', { user, displayName: 'U', emailAddress: 'u@example.org' });
  project.addTeamMember('Member', { user, role: ProjectRole.OWNER, remoteAccessAllowed: true });
  new TeamMember(stack, 'Legacy', { project: CodeStarProject.fromProjectId(stack, 'Imported', 'legacy'), user });

  const recorder = check(stack);

  const library = /^Rich\/(CodeStarProvider8f3c2a|Project|Profile|Legacy)\//;
  expect(recorder.open.filter(f => library.test(f.path))).toEqual([]);
  // The app's own findings are the app's to fix (here: the secret is not rotated, the bucket logs no access).
  expect(recorder.open.map(f => `${f.path.replace(/^Rich\//, '')} ${f.rule}`).sort()).toEqual([
    'Sources/Resource AwsSolutions-S1',
    'Token/Resource AwsSolutions-SMG4',
  ]);
});

test('the library does not depend on cdk-nag', () => {
  const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap(e => (e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter(f => /\.ts$/.test(f));
  const root = path.join(__dirname, '..', '..');
  for (const file of [...sources(path.join(root, 'src')), ...sources(path.join(root, 'lambda'))]) {
    expect([file, /from ['"]cdk-nag['"]|require\(['"]cdk-nag['"]\)/.test(fs.readFileSync(file, 'utf-8'))]).toEqual([file, false]);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf-8'));
  expect(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.bundledDependencies })).not.toContain('cdk-nag');
});
