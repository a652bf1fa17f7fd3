import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, SecretValue, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { actionMatches, allStatements, filesUnder, handlerRoleAndPolicies, tempDir } from './helpers';
import { CodeDestination, CodeStarProject, GitHubOwnerType, ProjectSource, Toolchain } from '../../src';
import { SEED_CODE_DIR, TOOLCHAIN_FILE } from '../helpers';

/**
 * The GitHub personal access token reaches CodeStar only through a Secrets Manager secret that the
 * handler reads at run time: no file of the cloud assembly carries it, and the handler may read that
 * secret and no other. (test/project.test.ts checks the template alone; this checks every file.)
 */

const TOKEN = 'ghp_CanaryTokenMustNeverBeSynthesized0123';
const ENV = { account: '123456789012', region: 'us-east-1' };
const IMPORTED_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:github-token-AbCdEf';
const IMPORTED_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function gitHubProject(stack: Stack, token: secretsmanager.ISecret, tokenJsonField?: string) {
  return new CodeStarProject(stack, 'Project', {
    projectId: 'my-app',
    projectName: 'My App',
    sourceCode: [{
      source: ProjectSource.fromAsset(SEED_CODE_DIR),
      destination: CodeDestination.gitHub({ repositoryName: 'my-app', owner: 'octo', ownerType: GitHubOwnerType.USER, token, tokenJsonField }),
    }],
    toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE),
  });
}

interface Synthesized {
  readonly outdir: string;
  readonly projectStack: Stack;
  /** Where the secret with the token value is declared, if the app declares it. */
  readonly secretStack?: Stack;
  readonly secret: secretsmanager.ISecret;
}

type Scenario = () => Synthesized;

const scenarios: Record<string, Scenario> = {
  'a secret created in the same stack from a plain-text value': () => {
    const outdir = tempDir();
    const stack = new Stack(new App({ outdir }), 'Project', { env: ENV });
    const secret = new secretsmanager.Secret(stack, 'GitHubToken', { secretStringValue: SecretValue.unsafePlainText(TOKEN) });
    gitHubProject(stack, secret);
    return { outdir, projectStack: stack, secretStack: stack, secret };
  },
  'a secret created in another stack, a JSON field holding the token': () => {
    const outdir = tempDir();
    const app = new App({ outdir });
    const secrets = new Stack(app, 'Secrets', { env: ENV });
    const secret = new secretsmanager.Secret(secrets, 'GitHubToken', { secretObjectValue: { token: SecretValue.unsafePlainText(TOKEN) } });
    const stack = new Stack(app, 'Project', { env: ENV });
    gitHubProject(stack, secret, 'token');
    return { outdir, projectStack: stack, secretStack: secrets, secret };
  },
  'a secret imported by ARN': () => {
    const outdir = tempDir();
    const stack = new Stack(new App({ outdir }), 'Project', { env: ENV });
    const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'GitHubToken', IMPORTED_SECRET_ARN);
    gitHubProject(stack, secret);
    return { outdir, projectStack: stack, secret };
  },
};

function synthesize(scenario: Scenario): Synthesized {
  const synthesized = scenario();
  (synthesized.projectStack.node.root as App).synth();
  return synthesized;
}

/** The secret's own L1, which holds the plain-text value by the app's choice (`unsafePlainText`). */
function secretResourcePath(secret: secretsmanager.ISecret): string {
  return secret.node.defaultChild!.node.path;
}

/** tree.json without the node at `nodePath`. */
function treeWithout(tree: any, nodePath: string): any {
  const walk = (node: any): any => {
    if (node.path === nodePath) {
      return { id: node.id, path: node.path, removed: true };
    }
    return node.children
      ? { ...node, children: Object.fromEntries(Object.entries<any>(node.children).map(([k, child]) => [k, walk(child)])) }
      : node;
  };
  return walk(tree.tree);
}

describe('the GitHub token never enters the cloud assembly', () => {
  test.each(Object.keys(scenarios))('%s', (name) => {
    // GIVEN an app whose project seeds a GitHub repository with the token from a secret
    const { outdir, secret, secretStack } = synthesize(scenarios[name]);
    const files = filesUnder(outdir);
    expect(files.map(f => path.basename(f))).toEqual(expect.arrayContaining(['manifest.json', 'tree.json', 'Project.template.json', 'Project.assets.json']));

    // THEN the value is in no file at all, except where the app itself asked for it: the secret
    // resource's SecretString in the template that declares the secret, and that same resource's
    // record in tree.json
    const secretTemplate = secretStack ? path.join(outdir, `${secretStack.artifactId}.template.json`) : undefined;
    const holders = files.filter(file => fs.readFileSync(file, 'utf-8').includes(TOKEN));
    // (The canary is really there when the app declares it: the search finds it.)
    expect(holders.length > 0).toBe(secretStack !== undefined);
    for (const file of holders) {
      const text = fs.readFileSync(file, 'utf-8');
      const relative = path.relative(outdir, file);
      expect([secretTemplate, path.join(outdir, 'tree.json')]).toContain(file);
      if (file === secretTemplate) {
        const resources = JSON.parse(text).Resources as Record<string, { Type: string }>;
        const types = Object.values(resources).filter(r => JSON.stringify(r).includes(TOKEN)).map(r => r.Type);
        expect([relative, types]).toEqual([relative, ['AWS::SecretsManager::Secret']]);
      } else {
        expect([relative, JSON.stringify(treeWithout(JSON.parse(text), secretResourcePath(secret))).includes(TOKEN)]).toEqual([relative, false]);
      }
    }
  });
});

describe('the handler reads that secret and no other', () => {
  test.each(Object.keys(scenarios))('%s', (name) => {
    const { projectStack, secret, secretStack } = synthesize(scenarios[name]);
    const template = (projectStack.node.root as App).synth().getStackByName(projectStack.stackName).template;
    const secretArn = secretStack && secretStack !== projectStack
      ? { 'Fn::ImportValue': expect.stringMatching(/GitHubToken/) }
      : projectStack.resolve(secret.secretArn);
    const { policies } = handlerRoleAndPolicies(template);
    const statements = allStatements(template);

    // Only the handler's policy grants GetSecretValue (however it is spelled), and only on the secret.
    const readers = statements.filter(s => s.Effect === 'Allow' && s.Action.some(a => actionMatches(a, 'secretsmanager:GetSecretValue')));
    expect(readers).toHaveLength(1);
    expect(policies).toContain(readers[0].owner);
    expect(readers[0].Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    expect(readers[0].Resource).toEqual([secretArn]);
  });

  test('and no secret it does not use', () => {
    const stack = new Stack(new App(), 'Project', { env: ENV });
    const used = new secretsmanager.Secret(stack, 'Used');
    new secretsmanager.Secret(stack, 'Unused');
    gitHubProject(stack, used);

    const readers = allStatements((stack.node.root as App).synth().getStackByName('Project').template)
      .filter(s => s.Action.some(a => a.startsWith('secretsmanager:')));
    expect(readers.map(s => s.Resource)).toEqual([[stack.resolve(used.secretArn)]]);
  });
});

describe('the handler may decrypt the secret with its customer managed key', () => {
  const viaSecretsManager = { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } };

  test('a key of the app: through the key policy and the role policy, this key only, only via Secrets Manager', () => {
    const stack = new Stack(new App(), 'Project', { env: ENV });
    const key = new kms.Key(stack, 'Key');
    gitHubProject(stack, new secretsmanager.Secret(stack, 'GitHubToken', { encryptionKey: key }));
    const template = (stack.node.root as App).synth().getStackByName('Project').template;
    const { role, policies } = handlerRoleAndPolicies(template);
    const keyId = stack.resolve((key.node.defaultChild as kms.CfnKey).logicalId);

    // The role's own policy: kms:Decrypt on this key, via Secrets Manager.
    const decrypts = allStatements(template).filter(s => s.Action.some(a => actionMatches(a, 'kms:Decrypt')));
    expect(decrypts).toEqual([expect.objectContaining({
      Action: ['kms:Decrypt'], Resource: [{ 'Fn::GetAtt': [keyId, 'Arn'] }], Condition: viaSecretsManager,
    })]);
    expect(policies).toContain(decrypts[0].owner);
    // The key's policy names the handler role for kms:Decrypt, via Secrets Manager, on itself ("*" in a key policy).
    const keyStatements = template.Resources[keyId].Properties.KeyPolicy.Statement as any[];
    const forHandler = keyStatements.filter(s => JSON.stringify(s.Principal).includes(role));
    expect(forHandler).toEqual([{ Action: 'kms:Decrypt', Condition: viaSecretsManager, Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [role, 'Arn'] } }, Resource: '*' }]);
  });

  test('an imported key: in the role policy, on that key ARN only, only via Secrets Manager', () => {
    const stack = new Stack(new App(), 'Project', { env: ENV });
    const secret = secretsmanager.Secret.fromSecretAttributes(stack, 'GitHubToken', {
      secretCompleteArn: IMPORTED_SECRET_ARN,
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', IMPORTED_KEY_ARN),
    });
    gitHubProject(stack, secret);
    const template = (stack.node.root as App).synth().getStackByName('Project').template;

    const decrypts = allStatements(template).filter(s => s.Action.some(a => actionMatches(a, 'kms:Decrypt')));
    expect(decrypts).toEqual([expect.objectContaining({ Action: ['kms:Decrypt'], Resource: [IMPORTED_KEY_ARN], Condition: viaSecretsManager })]);
    expect(handlerRoleAndPolicies(template).policies).toContain(decrypts[0].owner);
  });

  test('no key, no kms permission', () => {
    const { projectStack } = synthesize(scenarios['a secret imported by ARN']);
    const template = (projectStack.node.root as App).synth().getStackByName('Project').template;

    expect(allStatements(template).filter(s => s.Action.some(a => a.startsWith('kms:')))).toEqual([]);
  });
});
