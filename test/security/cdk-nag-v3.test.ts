import * as fs from 'node:fs';
import * as cdk from 'aws-cdk-lib';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { addExampleStack } from '../../examples/app';
import { CodeStarProject, CodeStarProvider, ProjectRole, TeamMember, UserProfile } from '../../src';

/**
 * cdk-nag 3, which is not an aspect but an aws-cdk-lib policy validation plugin
 * (`Validations.of(app).addPlugins(...)`) and reads aws-cdk-lib's acknowledgements
 * (`Validations.of(scope).acknowledge(...)`), never cdk-nag 2's metadata. The library writes both
 * (src/private/compliance.ts).
 *
 * Runs on the newest aws-cdk-lib, where scripts/newest-cdk.sh installs cdk-nag 3 as `cdk-nag-v3` and
 * sets CDK_CODESTAR_CDK_FLAVOUR=newest. On the floor (aws-cdk-lib 2.174.0: no `Validations`, and
 * cdk-nag 3 needs 2.257.0 or later) every test here is skipped, and says why in its name; in the
 * newest run, a missing cdk-nag 3 or `Validations` fails.
 */

const NEWEST = process.env.CDK_CODESTAR_CDK_FLAVOUR === 'newest';
const CDK_VERSION: string = JSON.parse(fs.readFileSync(require.resolve('aws-cdk-lib/package.json'), 'utf-8')).version;

interface Violation {
  readonly ruleName: string;
  readonly severity: string;
  readonly violatingResources: ReadonlyArray<{ readonly constructPath?: string }>;
}
interface NagPack {
  readonly name: string;
  validateScope(scope: App): { readonly violations: readonly Violation[] };
}
type NagPackClass = new (scope?: App) => NagPack;

/** cdk-nag 3, or why it cannot run here. */
function loadCdkNag3(): { readonly nag?: Record<string, NagPackClass>; readonly version?: string; readonly missing?: string } {
  if (typeof (cdk as any).Validations?.prototype?.acknowledge !== 'function') {
    return { missing: `aws-cdk-lib ${CDK_VERSION} has no Validations.acknowledge` };
  }
  try {
    // Loaded only where it is installed: the floor has no cdk-nag 3 (it needs aws-cdk-lib 2.257.0 or later).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nag = require('cdk-nag-v3');
    return { nag, version: JSON.parse(fs.readFileSync(require.resolve('cdk-nag-v3/package.json'), 'utf-8')).version };
  } catch {
    return { missing: 'cdk-nag 3 is not installed (scripts/newest-cdk.sh installs it as cdk-nag-v3)' };
  }
}

const { nag, version, missing } = loadCdkNag3();

/** aws-cdk-lib's `Validations.of(scope)`: read at run time, as the floor's typings (which the tests compile against) lack it. */
function validations(scope: App): { addPlugins(...plugins: NagPack[]): void } {
  return (cdk as any).Validations.of(scope);
}

if (NEWEST) {
  test(`the newest run has cdk-nag 3 and aws-cdk-lib's Validations (aws-cdk-lib ${CDK_VERSION})`, () => {
    expect(missing).toBeUndefined();
    expect(version).toMatch(/^3\./);
  });
}

const run = nag !== undefined ? describe : describe.skip;
const title = (what: string) => (nag !== undefined ? `cdk-nag ${version} on aws-cdk-lib ${CDK_VERSION}: ${what}` : `${what} (skipped: ${missing})`);

/** Every violation of the packs, as `path rule`, paths without the stack name. */
function violations(app: App, packs: readonly NagPack[], stackName: string): string[] {
  return packs.flatMap(pack => pack.validateScope(app).violations.flatMap(v => v.violatingResources.map(r => `${r.constructPath ?? '?'} ${v.ruleName}`)))
    .map(line => (line.startsWith(`${stackName}/`) ? line.slice(stackName.length + 1) : line))
    .sort();
}

/** The stack of issue 12: an imported project, one member, one profile; no CodeStarProvider unless asked. */
function importingStack(app: App): Stack {
  const stack = new Stack(app, 'Importing', { env: { account: '123456789012', region: 'us-east-1' } });
  const project = CodeStarProject.fromProjectId(stack, 'Legacy', 'legacy-app');
  const user = new iam.User(stack, 'User');
  new TeamMember(stack, 'Member', { project, user, role: ProjectRole.CONTRIBUTOR });
  new UserProfile(stack, 'Profile', { user, displayName: 'U', emailAddress: 'u@example.org' });
  return stack;
}

/** The library's resources: its provider (in the stack under its own id), a declared CodeStarProvider, the custom resources. */
const LIBRARY = /^(CodeStarProvider8f3c2a|Provider|Legacy|Member|Profile|Project)\//;

run(title('AwsSolutions, default settings'), () => {
  test('an app that imports a project, with a member and a profile, synthesizes: validation does not fail', () => {
    const app = new App();
    const stack = importingStack(app);
    const pack = new nag!.AwsSolutionsChecks(app);
    validations(app).addPlugins(pack);
    expect(() => app.synth()).not.toThrow();
    // Nothing at all, the app's user included: so nothing of the library's either.
    expect(violations(app, [pack], stack.stackName)).toEqual([]);
  });

  test.each(['initial', 'changed'] as const)('the example app (%s, a project) synthesizes with no finding', (stage) => {
    const app = new App();
    const stack = addExampleStack(app, stage);
    const pack = new nag!.AwsSolutionsChecks(app);
    validations(app).addPlugins(pack);
    expect(() => app.synth()).not.toThrow();
    expect(violations(app, [pack], stack.stackName).filter(line => LIBRARY.test(line))).toEqual([]);
  });

  test('the check is live: it fails the synthesis of a non-compliant resource beside the library\'s', () => {
    const app = new App();
    const stack = importingStack(app);
    new s3.Bucket(stack, 'Plain');
    const pack = new nag!.AwsSolutionsChecks(app);
    validations(app).addPlugins(pack);
    // In memory (jest), aws-cdk-lib throws the report itself.
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
    expect(violations(app, [pack], stack.stackName)).toEqual(['Plain/Resource AwsSolutions-S1', 'Plain/Resource AwsSolutions-S10']);
  });
});

run(title('the five packs, with vpc and encryptionKey: the library\'s acknowledgements'), () => {
  test('leave no finding on the library\'s resources (the test\'s own VPC and key are the app\'s, and do not count)', () => {
    const app = new App();
    const stack = importingStack(app);
    new CodeStarProvider(stack, 'Provider', { vpc: new ec2.Vpc(stack, 'Vpc'), encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }) });
    const packs = ['AwsSolutionsChecks', 'NIST80053R5Checks', 'HIPAASecurityChecks', 'PCIDSS321Checks', 'ServerlessChecks'].map(name => new nag![name](app));
    app.synth();
    expect(violations(app, packs, stack.stackName).filter(line => LIBRARY.test(line))).toEqual([]);
  });
});
