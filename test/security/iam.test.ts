import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { actionMatches, allStatements, handlerRoleAndPolicies, MUTATING_CODESTAR_ACTIONS, Statement, synthExample } from './helpers';
import { CodeDestination, CodeStarProject, ProjectRole, ProjectSource, TeamMember, Toolchain, UserProfile } from '../../src';
import { logicalIdOf, SEED_CODE_DIR, TOOLCHAIN_FILE } from '../helpers';

/**
 * Least privilege, over whole templates: every policy of the stack (the handler's and the app's
 * own), every spelling of an action (wildcards included), and the resources
 * derived from the constructs the app declares. test/provider.test.ts checks the handler policy's
 * statements one by one (scoping, no codestar:*, PassRole's condition, bounded statements, IAM's
 * size limits, no redundant DependsOn on the role); this file checks what they add up to.
 */

const PROJECT_ACTIONS = ['codestar:CreateProject', 'codestar:UpdateProject', 'codestar:DeleteProject', 'codestar:TagProject', 'codestar:UntagProject'];
const TEAM_ACTIONS = ['codestar:AssociateTeamMember', 'codestar:UpdateTeamMember', 'codestar:DisassociateTeamMember'];
const PROFILE_ACTIONS = ['codestar:CreateUserProfile', 'codestar:UpdateUserProfile', 'codestar:DeleteUserProfile'];

/** A stack with everything: seeded projects with a toolchain role, members of own and imported projects, profiles. */
function fullApp(): { stack: Stack; template: any } {
  const app = new App();
  const stack = new Stack(app, 'Full');
  const toolchainRole = new iam.Role(stack, 'ToolchainRole', { assumedBy: new iam.ServicePrincipal('codestar.amazonaws.com') });
  const project = new CodeStarProject(stack, 'Project', {
    projectId: 'own-app',
    projectName: 'Own',
    sourceCode: [{ source: ProjectSource.fromAsset(SEED_CODE_DIR), destination: CodeDestination.codeCommit({ repositoryName: 'own-app' }) }],
    toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { role: toolchainRole }),
  });
  new CodeStarProject(stack, 'Bare', { projectId: 'bare-app', projectName: 'Bare' });
  const alice = new iam.User(stack, 'Alice');
  const bob = iam.User.fromUserName(stack, 'Bob', 'bob');
  new UserProfile(stack, 'AliceProfile', { user: alice, displayName: 'Alice', emailAddress: 'alice@example.org' });
  project.addTeamMember('AliceMember', { user: alice, role: ProjectRole.OWNER });
  new TeamMember(stack, 'LegacyMember', { project: CodeStarProject.fromProjectId(stack, 'Legacy', 'legacy-app'), user: bob });
  new TeamMember(stack, 'RemoteMember', {
    project: CodeStarProject.fromProjectArn(stack, 'Remote', 'arn:aws:codestar:eu-west-1:210987654321:project/remote-app'),
    user: alice,
  });
  return { stack, template: app.synth().getStackByName('Full').template };
}

/**
 * A stack large enough that CDK moves the handler's statements into overflow managed policies: 60
 * seeded projects with two members each, half of them with a profile, members of imported projects.
 */
function largeApp(): { stack: Stack; template: any } {
  const app = new App();
  const stack = new Stack(app, 'Large');
  const toolchainRole = new iam.Role(stack, 'ToolchainRole', { assumedBy: new iam.ServicePrincipal('codestar.amazonaws.com') });
  for (let i = 0; i < 60; i++) {
    const project = new CodeStarProject(stack, `Project${i}`, {
      projectId: `app-${i}`,
      projectName: `App ${i}`,
      sourceCode: [{ source: ProjectSource.fromAsset(SEED_CODE_DIR), destination: CodeDestination.codeCommit({ repositoryName: `app-${i}` }) }],
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE, { role: toolchainRole }),
    });
    const user = iam.User.fromUserName(stack, `User${i}`, `user-${i}`);
    project.addTeamMember(`Member${i}`, { user, role: ProjectRole.CONTRIBUTOR });
    new TeamMember(stack, `Legacy${i}`, { project: CodeStarProject.fromProjectId(stack, `Imported${i}`, `legacy-${i}`), user });
    if (i % 2 === 0) {
      new UserProfile(stack, `Profile${i}`, { user, displayName: `User ${i}`, emailAddress: `user${i}@example.org` });
    }
  }
  const template = app.synth().getStackByName('Large').template;
  expect(Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::IAM::ManagedPolicy').length).toBeGreaterThan(0);
  return { stack, template };
}

const apps: Record<string, () => { stack: Stack; template: any }> = {
  'the example app (initial)': () => synthExample('initial'),
  'the example app (changed)': () => synthExample('changed'),
  'a stack with own, imported and cross-account projects': fullApp,
  'a stack whose handler policy overflows into managed policies': largeApp,
};

function constructsOf<T>(stack: Stack, type: abstract new (...args: any[]) => T): T[] {
  return stack.node.findAll().filter((c: IConstruct) => c instanceof type) as T[];
}

/** Statements that allow `action`, however the action is spelled (`codestar:*`, `*`, `codestar:Create*`). */
function allowing(statements: Statement[], action: string): Statement[] {
  return statements.filter(s => s.Effect === 'Allow' && s.Action.some(pattern => actionMatches(pattern, action)));
}

/** A template value rendered as one string, intrinsics shown as ${...}, so that ARNs compare as text. */
function flatten(value: unknown): string {
  if (typeof value === 'string') {
    return value;
  }
  const v = value as Record<string, any>;
  if (v?.['Fn::Join']) {
    return v['Fn::Join'][1].map(flatten).join(v['Fn::Join'][0]);
  }
  if (v?.Ref) {
    return `\${${v.Ref}}`;
  }
  if (v?.['Fn::GetAtt']) {
    return `\${${[v['Fn::GetAtt']].flat().join('.')}}`;
  }
  if (v?.['Fn::ImportValue']) {
    return `\${Import:${flatten(v['Fn::ImportValue'])}}`;
  }
  return JSON.stringify(value);
}

/** The ARN a project of `stack` must be granted on: in the stack's partition, region and account. */
function declaredProjectArn(stack: Stack, projectId: string): string {
  return flatten(stack.resolve(stack.formatArn({ service: 'codestar', resource: 'project', resourceName: projectId })));
}

describe.each(Object.keys(apps))('%s', (name) => {
  const { stack, template } = apps[name]();
  const statements = allStatements(template);
  const { role, policies } = handlerRoleAndPolicies(template);
  const propertiesOf = (construct: IConstruct) => template.Resources[logicalIdOf(stack, construct)].Properties;
  const projectIds = constructsOf(stack, CodeStarProject).map(p => propertiesOf(p).id as string);
  const ownArns = projectIds.map(id => declaredProjectArn(stack, id));

  test('no policy of the stack allows a mutating CodeStar action on "*", or codestar:* at all', () => {
    for (const action of MUTATING_CODESTAR_ACTIONS) {
      for (const statement of allowing(statements, action)) {
        expect([statement.owner, action, statement.Resource.map(flatten).filter(r => r.includes('*'))]).toEqual([statement.owner, action, []]);
      }
    }
    expect(statements.filter(s => s.Action.some(a => /^(\*|codestar:\*)$/i.test(a)))).toEqual([]);
    // Only the handler role may call CodeStar.
    const callers = statements.filter(s => s.Action.some(a => a.toLowerCase().startsWith('codestar:')));
    expect(callers.length).toBeGreaterThan(0);
    expect(callers.filter(s => !policies.includes(s.owner))).toEqual([]);
  });

  test('project actions name exactly the projects of the stack, by their ARN in its partition, region and account', () => {
    expect(projectIds.length).toBeGreaterThan(0);
    for (const action of PROJECT_ACTIONS) {
      const granted = allowing(statements, action).flatMap(s => s.Resource.map(flatten));
      expect([action, granted.sort()]).toEqual([action, [...ownArns].sort()]);
      for (const arn of granted) {
        expect(arn).toMatch(/^arn:\$\{AWS::Partition\}:codestar:(\$\{AWS::Region\}|[a-z0-9-]+):(\$\{AWS::AccountId\}|\d{12}):project\/[a-z][a-z0-9-]{1,14}$/);
      }
    }
  });

  test('team actions name exactly the projects of the stack and the imported projects its members join', () => {
    // An imported project (fromProjectId, fromProjectArn) carries its ARN; a member names its project by id.
    const imported = new Map(stack.node.findAll()
      .filter((c: any) => !(c instanceof CodeStarProject) && typeof c.projectId === 'string' && typeof c.projectArn === 'string')
      .map((c: any) => [c.projectId as string, flatten(stack.resolve(c.projectArn))]));
    const joined = constructsOf(stack, TeamMember)
      .map(m => propertiesOf(m).projectId)
      .filter((id): id is string => typeof id === 'string')
      .map(id => imported.get(id)!);
    const expected = [...new Set([...ownArns, ...joined])].sort();
    for (const action of TEAM_ACTIONS) {
      expect([action, allowing(statements, action).flatMap(s => s.Resource.map(flatten)).sort()]).toEqual([action, expected]);
    }
  });

  test('profile actions name exactly the users whose profiles the stack declares', () => {
    const expected = constructsOf(stack, UserProfile).map(p => flatten(propertiesOf(p).userArn)).sort();
    expect(expected.length).toBeGreaterThan(0);
    for (const action of PROFILE_ACTIONS) {
      expect([action, allowing(statements, action).flatMap(s => s.Resource.map(flatten)).sort()]).toEqual([action, expected]);
    }
  });

  test('iam:PassRole: only the handler, only the toolchain roles, only to CodeStar', () => {
    const toolchainRoles = constructsOf(stack, CodeStarProject).map(p => propertiesOf(p).toolchain?.roleArn).filter(Boolean).map(flatten);
    const passing = allowing(statements, 'iam:PassRole');
    expect(passing).toHaveLength(toolchainRoles.length > 0 ? 1 : 0);
    for (const statement of passing) {
      expect(policies).toContain(statement.owner);
      expect(statement.Action).toEqual(['iam:PassRole']);
      expect(statement.Resource.map(flatten).sort()).toEqual([...new Set(toolchainRoles)].sort());
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'codestar.amazonaws.com' } });
    }
  });

  test('the stack\'s only function is the handler\'s, and it may invoke nothing but itself, only where a project waits', () => {
    const functions = Object.entries<any>(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id)).toEqual(['CodeStarProvider8f3c2aProviderframeworkonEvent737B3291']);
    expect(functions[0][1].Properties.Role).toEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    expect(Object.values<any>(template.Resources).filter(r => r.Type === 'AWS::StepFunctions::StateMachine')).toEqual([]);
    expect(allowing(statements, 'states:StartExecution')).toEqual([]);

    const invoking = allowing(statements, 'lambda:InvokeFunction');
    const hasProjects = Object.values<any>(template.Resources).some(r => r.Type === 'Custom::CodeStarProject');
    expect(invoking.map(s => [s.Action, s.Resource])).toEqual(hasProjects
      ? [[['lambda:InvokeFunction'], [{ 'Fn::GetAtt': [functions[0][0], 'Arn'] }]]]
      : []);
    for (const statement of invoking) {
      expect(policies).toContain(statement.owner);
    }
  });

  test('everything a custom resource needs to be deleted is deleted after it', () => {
    for (const id of Object.keys(template.Resources).filter(r => /^Custom::CodeStar/.test(template.Resources[r].Type))) {
      const needed = neededAtDeletion(template, role, template.Resources[id].Type);
      const closure = dependencies(template, id);
      expect([id, [...needed].filter(n => !closure.has(n))]).toEqual([id, []]);
    }
  });
});

/** Every resource `id` depends on, directly or not: DependsOn, Ref, Fn::GetAtt, Fn::Sub. */
function dependencies(template: any, id: string, seen = new Set<string>()): Set<string> {
  const resource = template.Resources[id];
  const direct = new Set<string>([resource.DependsOn ?? []].flat());
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key === 'Ref' && typeof item === 'string' && item in template.Resources) {
          direct.add(item);
        } else if (key === 'Fn::GetAtt') {
          direct.add([item].flat()[0].split('.')[0]);
        } else if (key === 'Fn::Sub') {
          for (const match of JSON.stringify(item).matchAll(/\$\{([A-Za-z0-9]+)/g)) {
            if (match[1] in template.Resources) {
              direct.add(match[1]);
            }
          }
        } else {
          walk(item);
        }
      }
    }
  };
  walk(resource.Properties ?? {});
  for (const dep of direct) {
    if (!seen.has(dep)) {
      seen.add(dep);
      dependencies(template, dep, seen);
    }
  }
  return seen;
}

/**
 * What a custom resource's Delete goes through: the handler's function, its log group, and the
 * handler role with every policy attached to it, overflow managed policies included (reached
 * through the service token), except the grant chunks: a resource needs only the one that holds its
 * grants, which it depends on directly (see the last describe block). A project also needs the
 * function's leave to invoke itself, to go on waiting for CodeStar's deletion in a new invocation; a
 * member or a profile is deleted in one invocation.
 */
function neededAtDeletion(template: any, handlerRole: string, resourceType: string): Set<string> {
  const resources = Object.entries<any>(template.Resources);
  const roleOf = (r: any) => [r.Properties.Role ?? r.Properties.RoleArn].flat().map((x: any) => x?.['Fn::GetAtt']?.[0]).find(Boolean);
  const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function' && roleOf(r) === handlerRole);
  const selfInvoking = (r: any) => [r.Properties.PolicyDocument.Statement].flat().some((s: any) => [s.Action].flat().includes('lambda:InvokeFunction'));
  const attached = resources.filter(([id, r]) => /^AWS::IAM::(Managed)?Policy$/.test(r.Type) && !/^CodeStarProvider8f3c2aGrants/.test(id)
    && (r.Properties.Roles ?? []).some((x: any) => x.Ref === handlerRole)
    && (resourceType === 'Custom::CodeStarProject' || !selfInvoking(r)));
  const logGroups = functions.map(([, r]) => r.Properties.LoggingConfig?.LogGroup?.Ref).filter(Boolean);
  expect(functions).toHaveLength(1);
  expect(logGroups).toHaveLength(1);
  if (resourceType === 'Custom::CodeStarProject') {
    expect(attached.filter(([, r]) => selfInvoking(r))).toHaveLength(1);
  }
  return new Set([...functions.map(([id]) => id), handlerRole, ...attached.map(([id]) => id), ...logGroups]);
}

describe('a resource that an update removes keeps its grants until CloudFormation has deleted it', () => {
  /**
   * CloudFormation applies an update's policy changes first and deletes the resources it removed
   * last, in the reverse order of the old template's dependencies. So a removed resource can still
   * be deleted only if the policy that grants its deletion is one it depends on, and that policy is
   * either unchanged by the update or deleted by it (after the resource).
   */
  function app(stage: 'before' | 'after'): any {
    const root = new App();
    const stack = new Stack(root, 'Team');
    const users = ['alice', 'bob', 'carol'].map(name => iam.User.fromUserName(stack, name, name));
    const projectIds = stage === 'before' ? ['app-a', 'app-b', 'app-c'] : ['app-a', 'app-b'];
    for (const id of projectIds) {
      new CodeStarProject(stack, id, { projectId: id, projectName: id, removalPolicy: RemovalPolicy.DESTROY })
        .addTeamMember('Alice', { user: users[0] });
    }
    const legacy = CodeStarProject.fromProjectId(stack, 'Legacy', 'legacy-app');
    new TeamMember(stack, 'CarolOnLegacy', { project: legacy, user: users[2] });
    if (stage === 'before') {
      new TeamMember(stack, 'BobOnLegacy', { project: legacy, user: users[1] });
      new UserProfile(stack, 'BobProfile', { user: users[1], displayName: 'Bob', emailAddress: 'bob@example.org' });
    }
    new UserProfile(stack, 'AliceProfile', { user: users[0], displayName: 'Alice', emailAddress: 'alice@example.org' });
    return root.synth().getStackByName('Team').template;
  }

  const before = app('before');
  const after = app('after');
  const removed = Object.keys(before.Resources).filter(id => /^Custom::CodeStar/.test(before.Resources[id].Type) && !(id in after.Resources));

  /** The action that deletes a resource and the ARN it acts on, as flattened text. */
  function deletion(resource: any): [string, RegExp] {
    const p = resource.Properties;
    const projectId = (id: unknown) => (typeof id === 'string' ? id : before.Resources[[(id as any)['Fn::GetAtt']].flat()[0]].Properties.id);
    switch (resource.Type) {
      case 'Custom::CodeStarProject': return ['codestar:DeleteProject', new RegExp(`:project/${p.id}$`)];
      case 'Custom::CodeStarTeamMember': return ['codestar:DisassociateTeamMember', new RegExp(`:project/${projectId(p.projectId)}$`)];
      default: return ['codestar:DeleteUserProfile', new RegExp(`^${flatten(p.userArn).replace(/[$^{}()[\]\\.*+?|]/g, '\\$&')}$`)];
    }
  }

  test('the update removes a DESTROY project with its member, the last member of an imported project, and a profile', () => {
    expect(removed.map(id => before.Resources[id].Type).sort()).toEqual([
      'Custom::CodeStarProject', 'Custom::CodeStarTeamMember', 'Custom::CodeStarTeamMember', 'Custom::CodeStarUserProfile',
    ]);
  });

  test.each(['DeleteProject', 'DisassociateTeamMember', 'DeleteUserProfile'])('%s stays granted for each removed resource', (action) => {
    const statements = allStatements(before);
    for (const id of removed.filter(r => deletion(before.Resources[r])[0] === `codestar:${action}`)) {
      const [needed, target] = deletion(before.Resources[id]);
      const grantors = [...new Set(statements
        .filter(s => s.Effect === 'Allow' && s.Action.some(a => actionMatches(a, needed)) && s.Resource.map(flatten).some(r => target.test(r)))
        .map(s => s.owner))];
      const kept = grantors.filter(owner => [before.Resources[id].DependsOn ?? []].flat().includes(owner)
        && (!(owner in after.Resources) || JSON.stringify(after.Resources[owner]) === JSON.stringify(before.Resources[owner])));
      expect([id, kept.length > 0]).toEqual([id, true]);
    }
  });
});
