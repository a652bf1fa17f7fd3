import { AppSpec, succeeded, useE2E } from './helpers';
import { ProjectRole } from '../../src';
import { DeliveredRequest } from '../../src/local/runner';
import { PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE, USER_PROFILE_RESOURCE_TYPE } from '../../src/private/contract';

/**
 * The function CloudFormation invokes (`index.handler`, in its container) answers each request
 * itself: a team member's or a profile's request is one invocation; a project's create or delete
 * waits in its own invocation, and in a new one when it outlasts it. CodeStar here takes 2.5 s to
 * create or delete a project.
 */

const e2e = useE2E({ transitions: { delayMs: 2_500 } });
jest.setTimeout(60_000);

const spec: AppSpec = {
  projects: [{
    projectId: 'calls-app', name: 'Calls', members: [{ user: 'alice', role: ProjectRole.OWNER }, { user: 'bob', role: ProjectRole.VIEWER }],
  }],
  profiles: [{ user: 'alice', displayName: 'Alice', emailAddress: 'alice@example.org' }],
};

/** Invocations per request, by resource type. */
function invocationsByType(requests: readonly DeliveredRequest[]): Record<string, number[]> {
  const byType: Record<string, number[]> = {};
  for (const r of requests) {
    (byType[r.resourceType] ??= []).push(r.invocations);
  }
  return byType;
}

test('deploy and destroy: one invocation per request; a project waits for CodeStar inside it', async () => {
  const deployed = succeeded(await e2e.runner().deploy(e2e.synth(spec)), e2e.lines);
  const destroyed = succeeded(await e2e.runner().destroy(), e2e.lines);

  for (const result of [deployed, destroyed]) {
    expect(result.requests.every(r => r.status === 'SUCCESS')).toBe(true);
    expect(invocationsByType(result.requests)).toEqual({
      [PROJECT_RESOURCE_TYPE]: [1],
      [TEAM_MEMBER_RESOURCE_TYPE]: [1, 1],
      [USER_PROFILE_RESOURCE_TYPE]: [1],
    });
  }
  expect((await e2e.account()).projects).toEqual([]);
});

test('a project create and delete that outlast the function timeout go on in a new invocation, which answers', async () => {
  // 2 s per invocation: the function hands the wait over before its time runs out.
  const short = { lambdaTimeoutMs: 2_000 };
  const deployed = succeeded(await e2e.runner(short).deploy(e2e.synth(spec)), e2e.lines);

  const [create] = deployed.requests.filter(r => r.resourceType === PROJECT_RESOURCE_TYPE);
  expect(create).toMatchObject({ requestType: 'Create', status: 'SUCCESS' });
  expect(create.invocations).toBeGreaterThanOrEqual(2);
  expect(e2e.codestar.state.project('calls-app')).toMatchObject({ status: { state: 'CreateComplete' } });
  expect(e2e.handlerLogs.join('\n')).toContain('continued');

  const destroyed = succeeded(await e2e.runner(short).destroy(), e2e.lines);
  const [deleted] = destroyed.requests.filter(r => r.resourceType === PROJECT_RESOURCE_TYPE);
  expect(deleted).toMatchObject({ requestType: 'Delete', status: 'SUCCESS' });
  expect(deleted.invocations).toBeGreaterThanOrEqual(2);
  expect((await e2e.account()).projects).toEqual([]);
});
