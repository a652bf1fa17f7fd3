import { App, Aspects, CfnMapping, CfnOutput, CfnResource, Fn, IAspect, LegacyStackSynthesizer, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { IConstruct } from 'constructs';
import { newStack, SEED_CODE_DIR } from './helpers';
import { CodeStarProject, ProjectRole, TeamMember, UserProfile } from '../src';
import { StackProvider } from '../src/private/provider';
import { PROVIDER_MARKER, userTemplate, userTemplateSerializer } from '../src/testing';

const CODESTAR_TYPES = ['Custom::CodeStarProject', 'Custom::CodeStarTeamMember', 'Custom::CodeStarUserProfile'];

/** A project, a member of it, the member's profile, and a bucket of the user's own. */
function populate(stack: Stack) {
  const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App' });
  const alice = new iam.User(stack, 'Alice');
  project.addTeamMember('Alice', { user: alice, role: ProjectRole.CONTRIBUTOR });
  new UserProfile(stack, 'AliceProfile', { user: alice, displayName: 'Alice Example', emailAddress: 'alice@example.org' });
  new s3.Bucket(stack, 'Bucket');
}

/** The logical ids of the provider's resources, as the unfiltered template has them. */
function providerIds(stack: Stack): string[] {
  Template.fromStack(stack);
  return StackProvider.find(stack)!.node.findAll()
    .filter(CfnResource.isCfnResource)
    .map((r) => stack.resolve(r.logicalId));
}

const PSEUDO_PARAMETER = /^AWS::/;

/**
 * Every name a `Ref`, `Fn::GetAtt`, `${...}`, `DependsOn` or `Fn::FindInMap` of `template` uses that
 * the template does not declare.
 */
function danglingReferences(template: any): string[] {
  const resources = new Set(Object.keys(template.Resources ?? {}));
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const mappings = new Set(Object.keys(template.Mappings ?? {}));
  const dangling: string[] = [];
  const name = (n: string) => resources.has(n) || parameters.has(n) || PSEUDO_PARAMETER.test(n) || dangling.push(n);
  const walk = (value: any): void => {
    if (Array.isArray(value)) {
      return value.forEach(walk);
    }
    if (typeof value !== 'object' || value === null) {
      return;
    }
    for (const [key, arg] of Object.entries<any>(value)) {
      if (key === 'Ref') {
        name(arg);
      } else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(arg) ? arg[0] : String(arg).split('.')[0];
        resources.has(target) || dangling.push(target);
      } else if (key === 'Fn::Sub') {
        const body = Array.isArray(arg) ? arg[0] : arg;
        const local = Object.keys(Array.isArray(arg) ? arg[1] ?? {} : {});
        for (const m of String(body).matchAll(/\$\{([^!}][^}]*)\}/g)) {
          if (!local.includes(m[1])) {
            name(m[1].split('.')[0]);
          }
        }
      } else if (key === 'Fn::FindInMap') {
        mappings.has(arg[0]) || dangling.push(arg[0]);
      }
      walk(arg);
    }
  };
  walk(template);
  for (const resource of Object.values<any>(template.Resources ?? {})) {
    for (const id of [resource.DependsOn ?? []].flat()) {
      resources.has(id) || dangling.push(id);
    }
  }
  return dangling;
}

/** The resource types of a template, sorted. */
function typesOf(template: any): string[] {
  return Object.values<any>(template.Resources).map((r) => r.Type).sort();
}

describe('userTemplate', () => {
  test('keeps exactly the user\'s resources and the CodeStar custom resources', () => {
    const stack = newStack();
    populate(stack);

    const template = userTemplate(stack);

    expect(typesOf(template)).toEqual(['AWS::IAM::User', 'AWS::S3::Bucket', ...CODESTAR_TYPES].sort());
    Template.fromJSON(template).resourceCountIs('Custom::CodeStarTeamMember', 1);
    Template.fromJSON(template).resourceCountIs('AWS::Lambda::Function', 0);
    const ids = providerIds(stack);
    // Its function, role, default policy, log group, grants and the leave to invoke itself (a project waits).
    expect(ids.length).toBe(6);
    for (const id of ids) {
      expect(template.Resources).not.toHaveProperty([id]);
    }
  });

  test('keeps the user\'s resources exactly as synthesized, except for references to the provider', () => {
    const stack = newStack();
    populate(stack);
    const full = Template.fromStack(stack).toJSON();
    const ids = providerIds(stack);

    const template = userTemplate(stack) as any;

    expect(Object.keys(template.Resources).sort()).toEqual(Object.keys(full.Resources).filter((id) => !ids.includes(id)).sort());
    for (const [id, resource] of Object.entries<any>(template.Resources)) {
      const { DependsOn: dependsOn, ...expected } = full.Resources[id];
      // Here every DependsOn of the unfiltered template names the provider's grants.
      expect(ids).toEqual(expect.arrayContaining(dependsOn ?? []));
      if (CODESTAR_TYPES.includes(expected.Type)) {
        expected.Properties = { ...expected.Properties, ServiceToken: PROVIDER_MARKER };
      }
      expect(resource).toEqual(expected);
    }
    // The custom resources' policies (a project retains by default) survive.
    const project = Object.values<any>(template.Resources).find((r) => r.Type === 'Custom::CodeStarProject');
    expect(project).toMatchObject({ DeletionPolicy: 'RetainExceptOnCreate', UpdateReplacePolicy: 'Retain' });
    expect(template.Parameters).toEqual(full.Parameters);
    expect(template.Rules).toEqual(full.Rules);
  });

  test('leaves no reference to a removed resource', () => {
    const stack = newStack();
    populate(stack);
    const full = Template.fromStack(stack).toJSON();
    // Unfiltered, the custom resources depend on the provider's grants and name its function.
    const member = Object.values<any>(full.Resources).find((r) => r.Type === 'Custom::CodeStarTeamMember');
    expect(member.DependsOn.length).toBeGreaterThan(0);
    expect(member.Properties.ServiceToken).toHaveProperty(['Fn::GetAtt']);

    const template = userTemplate(stack) as any;

    expect(danglingReferences(full)).toEqual([]);
    expect(danglingReferences(template)).toEqual([]);
    for (const resource of Object.values<any>(template.Resources)) {
      expect(resource).not.toHaveProperty('DependsOn');
    }
  });

  test('the dangling-reference check finds what it looks for', () => {
    const template = {
      Resources: {
        A: { Type: 'T', DependsOn: ['Gone'], Properties: { X: { Ref: 'Missing' }, Y: { 'Fn::GetAtt': ['Lost', 'Arn'] }, Z: { 'Fn::Sub': '${Away.Arn} ${AWS::Region}' } } },
      },
    };
    expect(danglingReferences(template).sort()).toEqual(['Away', 'Gone', 'Lost', 'Missing']);
  });

  test('replaces every ServiceToken with the marker', () => {
    const stack = newStack();
    populate(stack);

    const custom = Object.values<any>(userTemplate(stack).Resources as object).filter((r) => CODESTAR_TYPES.includes(r.Type));

    expect(custom).toHaveLength(3);
    for (const resource of custom) {
      expect(resource.Properties.ServiceToken).toBe(PROVIDER_MARKER);
    }
  });

  test('keeps the user\'s DependsOn entries and drops only the provider\'s', () => {
    const stack = newStack();
    populate(stack);
    const project = stack.node.findChild('Project');
    const bucket = stack.node.findChild('Bucket') as s3.Bucket;
    project.node.addDependency(bucket);

    const template = userTemplate(stack) as any;

    const [projectResource] = Object.values<any>(template.Resources).filter((r) => r.Type === 'Custom::CodeStarProject');
    expect(projectResource.DependsOn).toEqual([stack.resolve((bucket.node.defaultChild as s3.CfnBucket).logicalId)]);
  });

  test('replaces the user\'s own references to the provider with the marker', () => {
    const stack = newStack();
    populate(stack);
    // An escape hatch into the provider: its role, by Ref, GetAtt and in a Fn::Sub.
    const role = StackProvider.find(stack)!.role;
    new CfnOutput(stack, 'RoleName', { value: role.roleName });
    new CfnOutput(stack, 'RoleArn', { value: role.roleArn });
    new CfnOutput(stack, 'Sub', { value: Fn.sub('role ${Role} in ${AWS::Region}', { Role: role.roleName }) });
    new CfnOutput(stack, 'InlineSub', { value: Fn.sub(`${'$'}{${stack.resolve((role.node.defaultChild as iam.CfnRole).logicalId)}.Arn} in ${'$'}{AWS::Region}`) });

    const template = userTemplate(stack) as any;

    expect(template.Outputs.RoleName.Value).toBe(PROVIDER_MARKER);
    expect(template.Outputs.RoleArn.Value).toBe(PROVIDER_MARKER);
    expect(template.Outputs.Sub.Value).toEqual({ 'Fn::Sub': ['role ${Role} in ${AWS::Region}', { Role: PROVIDER_MARKER }] });
    expect(template.Outputs.InlineSub.Value).toEqual({ 'Fn::Sub': `${PROVIDER_MARKER} in ${'$'}{AWS::Region}` });
    expect(danglingReferences(template)).toEqual([]);
  });

  test('removes the asset parameters only the provider uses, and keeps the user\'s', () => {
    const legacy = new Stack(new App(), 'Legacy', { synthesizer: new LegacyStackSynthesizer() });
    populate(legacy);
    const asset = new s3assets.Asset(legacy, 'UserAsset', { path: SEED_CODE_DIR });
    new CfnOutput(legacy, 'AssetUrl', { value: asset.s3ObjectUrl });
    const full = Template.fromStack(legacy).toJSON();
    expect(Object.keys(full.Parameters).filter((p) => p.startsWith('AssetParameters')).length).toBeGreaterThan(3);

    const template = userTemplate(legacy) as any;

    const userAsset: any = legacy.node.metadata.find((m) => m.type === 'aws:cdk:asset' && (m.data as any).sourceHash === asset.assetHash)!.data;
    const userParameters = [userAsset.s3BucketParameter, userAsset.s3KeyParameter, userAsset.artifactHashParameter].map((p) => legacy.resolve(p));
    expect(Object.keys(template.Parameters).sort()).toEqual(userParameters.sort());
    expect(danglingReferences(template)).toEqual([]);
  });

  /** A mapping that the provider's role uses (an escape hatch, as a user or an aws-cdk-lib upgrade may add). */
  function mappingOfTheProvider(stack: Stack): CfnMapping {
    const mapping = new CfnMapping(stack, 'Regions', { mapping: { 'us-east-1': { value: 'east' } } });
    const role = StackProvider.find(stack)!.role.node.defaultChild as iam.CfnRole;
    role.addPropertyOverride('Description', mapping.findInMap(stack.region, 'value'));
    return mapping;
  }

  test('removes a mapping only the provider uses', () => {
    const stack = newStack('Stack', { envAgnostic: true });
    populate(stack);
    mappingOfTheProvider(stack);
    expect(Template.fromStack(stack).toJSON()).toHaveProperty(['Mappings', 'Regions']);

    const template = userTemplate(stack);

    expect(template).not.toHaveProperty('Mappings');
    expect(template).toHaveProperty(['Parameters', 'BootstrapVersion']);
    expect(template).toHaveProperty(['Rules', 'CheckBootstrapVersion']);
    expect(danglingReferences(template)).toEqual([]);
  });

  test('keeps a mapping the user\'s resources use too', () => {
    const stack = newStack('Stack', { envAgnostic: true });
    populate(stack);
    const mapping = mappingOfTheProvider(stack);
    new CfnOutput(stack, 'Region', { value: mapping.findInMap(stack.region, 'value') });

    const template = userTemplate(stack);

    expect(Object.keys(template.Mappings as object)).toEqual([stack.resolve(mapping.logicalId)]);
    expect(danglingReferences(template)).toEqual([]);
  });

  test('returns a stack without CodeStar constructs unchanged', () => {
    const stack = newStack();
    new s3.Bucket(stack, 'Bucket');
    new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = 1') });
    new CfnOutput(stack, 'BucketName', { value: new s3.Bucket(stack, 'Other').bucketName });

    expect(userTemplate(stack)).toEqual(Template.fromStack(stack).toJSON());
  });

  test('does not modify the app\'s synthesized template', () => {
    const stack = newStack();
    populate(stack);
    const before = JSON.stringify(Template.fromStack(stack).toJSON());

    userTemplate(stack);

    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toBe(before);
  });

  describe('is stable against changes to the provider', () => {
    /** What an aws-cdk-lib upgrade may do to the provider: other settings, other ids, another resource. */
    class RewriteProvider implements IAspect {
      public visit(node: IConstruct) {
        if (node instanceof logs.CfnLogGroup) {
          node.retentionInDays = 7;
        }
        if (node instanceof lambda.CfnFunction) {
          node.memorySize = 1024;
          node.overrideLogicalId(`Renamed${Stack.of(node).resolve(node.logicalId)}`);
        }
      }
    }

    function rewritten(): Stack {
      const stack = newStack();
      populate(stack);
      const provider = StackProvider.find(stack)!;
      Aspects.of(provider).add(new RewriteProvider());
      // A new resource the custom resources wait for.
      const extra = new iam.Role(provider, 'NewInAnUpgrade', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      const customResources = stack.node.findAll()
        .filter((c): c is CfnResource => c instanceof CfnResource && CODESTAR_TYPES.includes(c.cfnResourceType));
      expect(customResources).toHaveLength(3);
      customResources.forEach((c) => c.node.addDependency(extra));
      return stack;
    }

    test('the full template changes', () => {
      const original = newStack();
      populate(original);

      expect(Template.fromStack(rewritten()).toJSON()).not.toEqual(Template.fromStack(original).toJSON());
    });

    test('the user\'s template does not', () => {
      const original = newStack();
      populate(original);
      const changed = rewritten();

      expect(Template.fromStack(changed).findResources('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 7 } })).not.toEqual({});
      expect(userTemplate(changed)).toEqual(userTemplate(original));
    });
  });

  describe('snapshots', () => {
    test('a project', () => {
      const stack = newStack();
      const project = new CodeStarProject(stack, 'Project', { projectId: 'my-app', projectName: 'My App', description: 'Our service' });
      Tags.of(project).add('team', 'blue');

      expect(userTemplate(stack)).toMatchSnapshot();
    });

    test('a team member', () => {
      const stack = newStack();
      const project = CodeStarProject.fromProjectId(stack, 'Project', 'my-app');
      new TeamMember(stack, 'Member', { project, user: new iam.User(stack, 'Alice'), role: ProjectRole.CONTRIBUTOR, remoteAccessAllowed: true });

      expect(userTemplate(stack)).toMatchSnapshot();
    });

    test('a user profile', () => {
      const stack = newStack();
      new UserProfile(stack, 'Profile', {
        user: new iam.User(stack, 'Alice'),
        displayName: 'Alice Example',
        emailAddress: 'alice@example.org',
        sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIexample alice@laptop',
      });

      expect(userTemplate(stack)).toMatchSnapshot();
    });
  });
});

describe('userTemplateSerializer', () => {
  test('serializes a stack, and only a stack, as its user template', () => {
    const stack = newStack();
    populate(stack);
    const printed: unknown[] = [];

    const out = userTemplateSerializer.serialize(stack, {}, '', 0, [], (value) => {
      printed.push(value);
      return 'printed';
    });

    expect(out).toBe('printed');
    expect(printed).toEqual([userTemplate(stack)]);
    expect(userTemplateSerializer.test(stack)).toBe(true);
    expect(userTemplateSerializer.test(userTemplate(stack))).toBe(false);
    expect(userTemplateSerializer.test(null)).toBe(false);
  });

  test('works with expect.addSnapshotSerializer', () => {
    expect.addSnapshotSerializer(userTemplateSerializer);
    const stack = newStack();
    populate(stack);

    expect(stack).toMatchSnapshot();
  });
});
