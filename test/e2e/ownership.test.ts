import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AppSpec, failed, ProjectSpec, succeeded, user, userArn, useE2E } from './helpers';
import { CodeDestination, CodeStarProject, ProjectRole, ProjectSource, TeamMember, Toolchain, UserProfile } from '../../src';
import { SEED_CODE_DIR, TOOLCHAIN_FILE } from '../helpers';

/**
 * What the handler may touch, end to end: a CodeStar resource is a logical resource's own only when
 * its creation token (or, for a profile, its own create) proves it; nothing foreign is changed or
 * deleted unless the construct declares adoption; and every later attempt of the same resource (a
 * new RequestId after a lost response, a rolled-back replacement) recognises its own creation.
 * Each test here failed on the version before the ownership model (README "What the handler may touch").
 */

const e2e = useE2E();
jest.setTimeout(60_000);

const project = (overrides: Partial<ProjectSpec> = {}): ProjectSpec => ({ projectId: 'own-a', name: 'Ours', ...overrides });

async function deploy(spec: AppSpec | ((stack: Stack) => void), stackName?: string, options = {}) {
  return succeeded(await e2e.runner(options).deploy(e2e.synth(spec, stackName)), e2e.lines);
}

async function deployFailing(spec: AppSpec | ((stack: Stack) => void), stackName?: string, options = {}) {
  return failed(await e2e.runner(options).deploy(e2e.synth(spec, stackName)));
}

describe('1. another stack\'s project is never taken over', () => {
  test('a CodeStarProject given the id of a project another stack created fails, and neither project changes', async () => {
    await deploy({ projects: [project({ projectId: 'theirs', name: 'Their project', tags: { owner: 'b' } })] }, 'StackB');
    await deploy({ projects: [project()] }, 'StackA');
    const before = await e2e.account();
    e2e.codestar.clearCalls();

    const result = await deployFailing({ projects: [project({ projectId: 'theirs' })] }, 'StackA');

    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(result.reason).toContain('Project theirs already exists and is not this resource\'s own creation, so it was left unchanged');
    expect(result.reason).toContain('adopt: true');
    expect(e2e.mutations()).toEqual([]);
    expect(await e2e.account()).toEqual(before);
  });

  test('a new CodeStarProject with the id of another stack\'s project fails, and destroying its stack leaves the project', async () => {
    await deploy({ projects: [project({ projectId: 'theirs', name: 'Their project' })] }, 'StackB');
    const before = await e2e.account();

    const result = await deployFailing({ projects: [project({ projectId: 'theirs', key: 'Mine' })] }, 'StackA');

    expect(result.status).toBe('ROLLBACK_COMPLETE');
    expect(await e2e.account()).toEqual(before);
  });

  test('with adopt: true the project is taken over: converged, and after destroy kept (an adopted project is retained)', async () => {
    e2e.codestar.state.seedProject({ id: 'legacy', name: 'Legacy', tags: { cost: 'old' }, clientRequestToken: 'made-in-the-console' });

    await deploy({ projects: [project({ projectId: 'legacy', name: 'Legacy, now in CDK', tags: { team: 'blue' }, adopt: true, retain: true })] });

    const adopted = (await e2e.account()).projects.find(p => p.id === 'legacy');
    expect(adopted).toMatchObject({ name: 'Legacy, now in CDK', tags: { team: 'blue' } });
    expect(e2e.codestar.calls('CreateProject')).toHaveLength(1);
    expect(e2e.codestar.state.project('legacy')?.clientRequestToken).toBe('made-in-the-console');

    succeeded(await e2e.runner().destroy());
    expect(e2e.codestar.state.project('legacy')).toBeDefined();
  });
});

describe('2. a replaced team member leaves no access behind, whichever way the replacement is rolled back', () => {
  // The project id comes from a parameter: the member's logical id stays, and a new value replaces it.
  const app = (options: { failAfterMember: boolean }) => (stack: Stack) => {
    const projectId = new CfnParameter(stack, 'ProjectId', { type: 'String', default: 'p-one' });
    const member = new TeamMember(stack, 'Alice', {
      project: CodeStarProject.fromProjectId(stack, 'Project', projectId.valueAsString),
      user: user(stack, 'alice'),
      role: ProjectRole.CONTRIBUTOR,
    });
    if (options.failAfterMember) {
      // Created after the member's replacement, and made to fail: the update rolls back.
      const profile = new UserProfile(stack, 'Bob', { user: user(stack, 'bob'), displayName: 'Bob', emailAddress: 'bob@example.org' });
      profile.node.addDependency(member);
    }
  };
  const membersOf = (projectId: string) => e2e.codestar.state.teamMembers(projectId).map(m => m.userArn);

  test.each(['delete', 'update-then-delete'] as const)('rollback shape %s, then destroy: alice is a member of neither project', async shape => {
    for (const id of ['p-one', 'p-two']) {
      e2e.codestar.state.seedProject({ id, name: id, owner: null });
    }
    await deploy(app({ failAfterMember: false }), undefined, { parameters: { ProjectId: 'p-one' } });
    expect(membersOf('p-one')).toEqual([userArn('alice')]);
    e2e.codestar.faults.error('ValidationException', { operations: ['CreateUserProfile'], times: 1 });

    const result = await deployFailing(app({ failAfterMember: true }), undefined, { parameters: { ProjectId: 'p-two' }, replacementRollback: shape });

    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    // A rollback Update (shape update-then-delete) recognises the membership as its own and answers its old physical id.
    expect(result.warnings).toEqual([]);
    expect(membersOf('p-one')).toEqual([userArn('alice')]);
    expect(membersOf('p-two')).toEqual([]);

    succeeded(await e2e.runner().destroy());
    expect(membersOf('p-one')).toEqual([]);
    expect(membersOf('p-two')).toEqual([]);
  });
});

describe('3. a lost response: the next attempt, with a new RequestId, recognises the resource\'s own creation', () => {
  // A short Lambda timeout: the handler gives up on the unanswered call within about a second.
  const givingUp = { lambdaTimeoutMs: 2_000 };
  const base: AppSpec = { profiles: [{ user: 'carol', displayName: 'Carol', emailAddress: 'carol@example.org' }] };

  test('CreateProject applied but never answered: the deploy fails, the next one adopts nothing and creates nothing new', async () => {
    await deploy(base);
    const lost = e2e.codestar.faults.lostResponse({ operations: ['CreateProject'] });

    const result = await deployFailing({ ...base, projects: [project()] }, undefined, givingUp);

    expect(result.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(lost.fired).toBeGreaterThan(0);
    // CodeStar made the project; CloudFormation never heard of it.
    expect(e2e.codestar.state.project('own-a')).toBeDefined();
    lost.remove();

    await deploy({ ...base, projects: [project({ name: 'Ours, renamed' })] });
    expect(e2e.codestar.state.project('own-a')).toMatchObject({ name: 'Ours, renamed' });
    expect(e2e.handlerLogs.join('\n')).not.toContain('project-adopted');

    // Ours, so destroy deletes it.
    succeeded(await e2e.runner().destroy());
    expect((await e2e.account()).projects).toEqual([]);
  });

  test('AssociateTeamMember applied but never answered: the membership is the resource\'s own, and destroy removes it', async () => {
    e2e.codestar.state.seedProject({ id: 'team-p', name: 'Team', owner: null });
    const member = { projects: [project({ projectId: 'team-p', imported: true, members: [{ user: 'dave', role: ProjectRole.VIEWER }] })] };
    await deploy(base);
    const lost = e2e.codestar.faults.lostResponse({ operations: ['AssociateTeamMember'] });

    failed(await e2e.runner(givingUp).deploy(e2e.synth({ ...base, ...member })));
    lost.remove();
    expect(e2e.codestar.state.teamMembers('team-p').map(m => m.userArn)).toEqual([userArn('dave')]);

    await deploy({ ...base, ...member });
    expect(e2e.handlerLogs.join('\n')).not.toContain('existing-membership-adopted');

    succeeded(await e2e.runner().destroy());
    expect(e2e.codestar.state.teamMembers('team-p')).toEqual([]);
  });
});

describe('4. sourceCode and toolchain only apply at creation: a change of them no longer freezes the stack', () => {
  const seeded = (seedDir: string, name: string) => (stack: Stack) => {
    new CodeStarProject(stack, 'Project', {
      projectId: 'seeded',
      projectName: name,
      sourceCode: [{ source: ProjectSource.fromAsset(seedDir), destination: CodeDestination.codeCommit({ repositoryName: 'seeded' }) }],
      toolchain: Toolchain.fromAsset(TOOLCHAIN_FILE),
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
    });
  };

  test('an edited seed folder (a new asset key) and a new name: the name is updated, the handler logs what it did not apply', async () => {
    await deploy(seeded(SEED_CODE_DIR, 'First'));
    const edited = path.join(e2e.dir, 'seed-code-edited');
    fs.cpSync(SEED_CODE_DIR, edited, { recursive: true });
    fs.writeFileSync(path.join(edited, 'EDITED.md'), 'a change the project will never see\n');
    e2e.codestar.clearCalls();

    await deploy(seeded(edited, 'Second'));

    expect(e2e.mutations()).toEqual(['UpdateProject']);
    expect(e2e.codestar.state.project('seeded')).toMatchObject({ name: 'Second' });
    expect(e2e.handlerLogs.some(line => line.includes('"creation-only-inputs-not-applied"'))).toBe(true);
  });

  test('a new seed repository and a new name: the name is updated, the project keeps the source it was created with', async () => {
    const seededProject = (repositoryName: string, name: string): AppSpec => ({ projects: [project({ projectId: 'seeded', name, repositoryName })] });
    await deploy(seededProject('first-repo', 'Before'));
    e2e.codestar.clearCalls();

    await deploy(seededProject('second-repo', 'After'));

    expect(e2e.mutations()).toEqual(['UpdateProject']);
    expect(e2e.codestar.state.project('seeded')).toMatchObject({ name: 'After' });
    expect(e2e.codestar.state.project('seeded')!.sourceCode).toEqual([expect.objectContaining({ destination: { codeCommit: { name: 'first-repo' } } })]);
  });
});

describe('5. removal policies and deletion protection', () => {
  test('the default removal policy cleans up a project whose first creation failed', async () => {
    e2e.codestar.state.failProjectCreation('broken', 'CodeCommit repository limit');
    try {
      const result = await deployFailing(stack => {
        new CodeStarProject(stack, 'Project', { projectId: 'broken', projectName: 'Broken' });
      });
      expect(result.status).toBe('ROLLBACK_COMPLETE');
    } finally {
      e2e.codestar.state.failProjectCreation('broken', undefined);
    }
    expect(e2e.codestar.calls('DeleteProject').map(c => c.input)).toEqual([expect.objectContaining({ id: 'broken', deleteStack: true })]);
    expect((await e2e.account()).projects).toEqual([]);
  });

  test('the defaults on a first deployment that fails after creating the project: ROLLBACK_FAILED, and the project stays', async () => {
    e2e.codestar.faults.error('ValidationException', { operations: ['CreateUserProfile'], times: 1 });

    const result = await deployFailing(stack => {
      const created = new CodeStarProject(stack, 'Project', { projectId: 'first', projectName: 'First' });
      new UserProfile(stack, 'Hal', { user: user(stack, 'hal'), displayName: 'Hal', emailAddress: 'hal@example.org' }).node.addDependency(created);
    });

    expect(result.status).toBe('ROLLBACK_FAILED');
    expect(result.events.map(e => e.reason).join('\n')).toContain('Project first has deletion protection and was not deleted');
    expect(e2e.codestar.state.project('first')).toMatchObject({ status: { state: 'CreateComplete' } });
    expect(e2e.codestar.calls('DeleteProject')).toEqual([]);
  });

  test('a created project is kept by default, however the stack is destroyed', async () => {
    await deploy(stack => {
      new CodeStarProject(stack, 'Project', { projectId: 'kept', projectName: 'Kept' });
    });

    succeeded(await e2e.runner().destroy());

    expect(e2e.codestar.state.project('kept')).toMatchObject({ status: { state: 'CreateComplete' } });
    expect(e2e.codestar.calls('DeleteProject')).toEqual([]);
  });

  test('RemovalPolicy.DESTROY with deletion protection (the default): destroy fails with the reason and the project stays', async () => {
    await deploy(stack => {
      new CodeStarProject(stack, 'Project', { projectId: 'guarded', projectName: 'Guarded', removalPolicy: RemovalPolicy.DESTROY });
    });

    const result = failed(await e2e.runner().destroy());

    expect(result.status).toBe('DELETE_FAILED');
    expect(result.events.map(e => e.reason).join('\n')).toContain('Project guarded has deletion protection and was not deleted');
    expect(e2e.codestar.calls('DeleteProject')).toEqual([]);
    expect(e2e.codestar.state.project('guarded')).toBeDefined();
  });

  test('applyRemovalPolicy(RETAIN) on a member and a profile keeps both when they leave the stack', async () => {
    e2e.codestar.state.seedProject({ id: 'team-r', name: 'Team', owner: null });
    const withTeam = (stack: Stack) => {
      const erin = user(stack, 'erin');
      new TeamMember(stack, 'Erin', { project: CodeStarProject.fromProjectId(stack, 'Project', 'team-r'), user: erin })
        .applyRemovalPolicy(RemovalPolicy.RETAIN);
      new UserProfile(stack, 'ErinProfile', { user: erin, displayName: 'Erin', emailAddress: 'erin@example.org' })
        .applyRemovalPolicy(RemovalPolicy.RETAIN);
    };
    await deploy(withTeam);

    await deploy(stack => {
      new CfnParameter(stack, 'Nothing', { default: 'left' });
    });

    expect(e2e.codestar.state.teamMembers('team-r').map(m => m.userArn)).toEqual([userArn('erin')]);
    expect(e2e.codestar.state.userProfile(userArn('erin'))).toBeDefined();
    expect(e2e.codestar.calls('DisassociateTeamMember')).toEqual([]);
    expect(e2e.codestar.calls('DeleteUserProfile')).toEqual([]);
  });
});

describe('profiles that existed before are used, never deleted', () => {
  test('an identical profile made by someone else is used, and stays after destroy', async () => {
    const theirs = e2e.codestar.state.seedUserProfile({ userArn: userArn('frank'), displayName: 'Frank', emailAddress: 'frank@example.org' });

    await deploy({ profiles: [{ user: 'frank', displayName: 'Frank', emailAddress: 'frank@example.org' }] });
    succeeded(await e2e.runner().destroy());

    expect(e2e.codestar.state.userProfile(userArn('frank'))).toEqual(theirs);
    expect(e2e.codestar.calls('DeleteUserProfile')).toEqual([]);
  });

  test('with adopt: true a different profile is converged, and kept by default after destroy', async () => {
    e2e.codestar.state.seedUserProfile({ userArn: userArn('gina'), displayName: 'G.', emailAddress: 'old@example.org' });

    await deploy({ profiles: [{ user: 'gina', displayName: 'Gina', emailAddress: 'gina@example.org', adopt: true }] });
    expect(e2e.codestar.state.userProfile(userArn('gina'))).toMatchObject({ displayName: 'Gina', emailAddress: 'gina@example.org' });

    succeeded(await e2e.runner().destroy());
    expect(e2e.codestar.state.userProfile(userArn('gina'))).toBeDefined();
  });
});
