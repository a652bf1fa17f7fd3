import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateProjectCommand, CreateUserProfileCommand, DeleteProjectCommand, DescribeProjectCommand } from '@aws-sdk/client-codestar';
import { codeStarClient, tempDir, userArn } from './helpers';
import { AccountFile, AccountFileError, readAccountFile } from '../../src/local/account-file';
import { LocalCodeStar, startLocalCodeStar } from '../../src/local/endpoint';

/** The endpoint's `stateFile`: an account that survives a restart, and one written by hand. */

let dir: string;
let file: string;
const started: LocalCodeStar[] = [];

beforeEach(() => {
  dir = tempDir('cdk-codestar-account-');
  file = path.join(dir, 'account.json');
});

afterEach(async () => {
  await Promise.all(started.splice(0).map(e => e.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<LocalCodeStar> {
  const endpoint = await startLocalCodeStar({ stateFile: file, callerUserArn: userArn('admin') });
  started.push(endpoint);
  return endpoint;
}

const written = (account: object) => fs.writeFileSync(file, JSON.stringify(account));

test('what one endpoint did, the next one started on the same file still holds', async () => {
  const first = await start();
  const client = codeStarClient(first.url);
  try {
    await client.send(new CreateProjectCommand({ id: 'kept', name: 'Kept', clientRequestToken: 'token-1', tags: { team: 'blue' } }));
    await client.send(new DescribeProjectCommand({ id: 'kept' })); // completes the creation
    await client.send(new CreateUserProfileCommand({ userArn: userArn('alice'), displayName: 'Alice', emailAddress: 'alice@example.org' }));
  } finally {
    client.destroy();
  }
  const project = first.state.project('kept')!;
  await first.close();
  started.length = 0;

  const second = await start();

  expect(second.state.project('kept')).toMatchObject({
    id: 'kept',
    name: 'Kept',
    clientRequestToken: 'token-1',
    tags: { team: 'blue' },
    status: { state: 'CreateComplete' },
    createdTimeStamp: project.createdTimeStamp,
  });
  expect(second.state.teamMembers('kept')).toEqual([{ userArn: userArn('admin'), projectRole: 'Owner', remoteAccessAllowed: false }]);
  expect(second.state.userProfiles()).toEqual([expect.objectContaining({ userArn: userArn('alice'), displayName: 'Alice', emailAddress: 'alice@example.org' })]);
  // Readable by its owner only: it holds personal data.
  expect((fs.statSync(file).mode % 0o1000).toString(8)).toBe('600');
});

test('a hand-written account: projects with their members (no implicit Owner) and profiles', async () => {
  written({
    version: 1,
    projects: [{
      id: 'legacy',
      name: 'Legacy',
      description: 'from 2019',
      tags: { cost: 'old' },
      members: [
        { userArn: userArn('bob'), projectRole: 'Owner' },
        { userArn: userArn('carol'), projectRole: 'Viewer', remoteAccessAllowed: true },
      ],
    }],
    profiles: [{ userArn: userArn('carol'), displayName: 'Carol', emailAddress: 'carol@example.org', sshPublicKey: 'ssh-ed25519 AAAA carol' }],
  } satisfies AccountFile);

  const endpoint = await start();

  expect(endpoint.state.project('legacy')).toMatchObject({ name: 'Legacy', description: 'from 2019', tags: { cost: 'old' }, status: { state: 'CreateComplete' } });
  expect(endpoint.state.teamMembers('legacy').map(m => [m.userArn, m.projectRole, m.remoteAccessAllowed])).toEqual([
    [userArn('bob'), 'Owner', false],
    [userArn('carol'), 'Viewer', true],
  ]);
  expect(endpoint.state.userProfile(userArn('carol'))).toMatchObject({ sshPublicKey: 'ssh-ed25519 AAAA carol' });
});

test('a project being deleted when the file was written is gone after a restart; one being created is complete', async () => {
  const first = await start();
  const client = codeStarClient(first.url);
  try {
    await client.send(new CreateProjectCommand({ id: 'going', name: 'Going' }));
    await client.send(new DescribeProjectCommand({ id: 'going' }));
    await client.send(new DeleteProjectCommand({ id: 'going' }));
    await client.send(new CreateProjectCommand({ id: 'coming', name: 'Coming' }));
  } finally {
    client.destroy();
  }
  expect(first.state.projects().map(p => [p.id, p.status.state])).toEqual([['going', 'DeleteInProgress'], ['coming', 'CreateInProgress']]);
  await first.close();
  started.length = 0;

  const second = await start();

  expect(second.state.projects().map(p => [p.id, p.status.state])).toEqual([['coming', 'CreateComplete']]);
});

test.each([
  ['not JSON', '{', /account\.json: .*JSON/],
  ['another version', JSON.stringify({ version: 2 }), /account\.json: version must be 1, got 2/],
  ['an unknown key', JSON.stringify({ version: 1, projects: [{ id: 'p1', nmae: 'typo' }] }), /projects\[0\]: unknown key nmae/],
  ['a value the API would refuse', JSON.stringify({ version: 1, projects: [{ id: 'Not_A_Valid_Id' }] }), /account\.json: projects\[0\] \(Not_A_Valid_Id\): invalid seed for CreateProject: .*id/],
  ['a member of no valid role', JSON.stringify({ version: 1, projects: [{ id: 'p1', members: [{ userArn: userArn('dave'), projectRole: 'Admin' }] }] }),
    /projects\[0\]\.members\[0\]: invalid seed for AssociateTeamMember: .*projectRole/],
  ['a bad date', JSON.stringify({ version: 1, projects: [{ id: 'p1', createdTimeStamp: 'yesterday' }] }), /createdTimeStamp must be an ISO 8601 date/],
])('a file with %s is refused, naming the file and the problem, and is left as it was', async (_case, text, message) => {
  fs.writeFileSync(file, text);

  await expect(start()).rejects.toThrow(message);
  await expect(start()).rejects.toThrow(AccountFileError);
  expect(fs.readFileSync(file, 'utf-8')).toBe(text);
});

test('readAccountFile reads what the endpoint wrote', async () => {
  const endpoint = await start();
  endpoint.state.seedProject({ id: 'seeded', name: 'Seeded' });
  await endpoint.close();
  started.length = 0;

  expect(readAccountFile(file)).toMatchObject({ version: 1, projects: [{ id: 'seeded', name: 'Seeded', state: 'CreateComplete' }], profiles: [] });
});
