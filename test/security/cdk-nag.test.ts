import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Aspects, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  AwsSolutionsChecks, INagLogger, NagLoggerComplianceData, NagLoggerErrorData, NagLoggerNonComplianceData, NagLoggerNotApplicableData,
  NagLoggerSuppressedData, NagLoggerSuppressedErrorData, NagMessageLevel,
} from 'cdk-nag';
import { addExampleStack } from '../../examples/app';
import { CodeDestination, CodeStarProject, GitHubOwnerType, ProjectRole, ProjectSource, TeamMember, Toolchain, UserProfile } from '../../src';
import { SEED_CODE_DIR, TOOLCHAIN_FILE } from '../helpers';

/**
 * The AwsSolutions pack of cdk-nag over the example app: no finding that is not suppressed. The
 * library fixes the findings on its own resources; the findings on aws-cdk-lib's Provider framework
 * (its functions, their roles, the waiter) are suppressed by the library itself, each with its
 * reason, as `cdk_nag` metadata on exactly those resources (src/private/framework.ts). The library
 * does not depend on cdk-nag.
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

function check(stack: Stack): Recorder {
  const recorder = new Recorder();
  Aspects.of(stack).add(new AwsSolutionsChecks({ verbose: true, reports: false, additionalLoggers: [recorder] }));
  (stack.node.root as App).synth();
  return recorder;
}

/** The Provider framework's resources, under the provider the library creates once per stack. */
const FRAMEWORK = /\/CodeStarProvider8f3c2a\/Provider\/(framework-(onEvent|isComplete|onTimeout)|waiter-state-machine)\//;

describe.each(['initial', 'changed'] as const)('the example app (%s)', (stage) => {
  const app = new App();
  const recorder = check(addExampleStack(app, stage));

  test('has no finding that is not suppressed, error or warning', () => {
    expect(recorder.open).toEqual([]);
  });

  test('suppressions are on the Provider framework\'s resources only, each with its reason', () => {
    expect(recorder.suppressed.length).toBeGreaterThan(0);
    for (const finding of recorder.suppressed) {
      expect(finding.path).toMatch(FRAMEWORK);
      expect(finding.reason).toMatch(/^(\[[^\]]+\] )?aws-cdk-lib Provider framework/);
    }
    // Exactly these, and nothing else: a new finding on the framework needs a decision, not a blanket.
    expect([...new Set(recorder.suppressed.map(f => f.rule.replace(/<[A-Za-z0-9]+\.Arn>/, '<function.Arn>')))].sort()).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<function.Arn>:*]',
      'AwsSolutions-SF2',
      'CdkNagValidationFailure[AwsSolutions-L1]',
    ]);
  });

  test('the library\'s own resources are checked, not suppressed', () => {
    const own = app.node.findAll().filter(c => /\/CodeStarProvider8f3c2a\/(Role|OnEvent|IsComplete|ProviderLogs|WaiterLogs)/.test(c.node.path));
    expect(own.length).toBeGreaterThan(0);
    for (const construct of own) {
      expect([construct.node.path, construct.node.metadata.filter(m => m.type === 'cdk_nag')]).toEqual([construct.node.path, []]);
    }
  });
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
