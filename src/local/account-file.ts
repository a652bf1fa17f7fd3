import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LocalCodeStarState } from './endpoint';
import type { ProjectState } from './store';

/**
 * The local endpoint's account as a JSON file: what `--state FILE` keeps across restarts, and what a
 * user writes by hand to describe an existing account (projects, their members, user profiles) for
 * tools to read. Every value is checked against the API model when it is loaded, as a seed is.
 *
 * ```json
 * {
 *   "version": 1,
 *   "projects": [{ "id": "legacy", "name": "Legacy", "tags": { "team": "blue" },
 *                  "members": [{ "userArn": "arn:aws:iam::123456789012:user/alice", "projectRole": "Owner" }] }],
 *   "profiles": [{ "userArn": "arn:aws:iam::123456789012:user/alice", "displayName": "Alice", "emailAddress": "alice@example.org" }]
 * }
 * ```
 *
 * The file holds personal data (display names, e-mail addresses, SSH keys): keep it out of version
 * control as you would the account's own records.
 */

export const ACCOUNT_FILE_VERSION = 1;

export interface AccountFileMember {
  readonly userArn: string;
  readonly projectRole: string;
  readonly remoteAccessAllowed?: boolean;
  readonly clientRequestToken?: string;
}

export interface AccountFileProject {
  readonly id: string;
  /** @default the id */
  readonly name?: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly clientRequestToken?: string;
  /**
   * A project still being created (CreateInProgress) when the file was written is complete after a
   * restart, and one being deleted (DeleteInProgress) is gone. @default CreateComplete
   */
  readonly state?: ProjectState;
  readonly reason?: string;
  /** ISO 8601. @default the time of loading */
  readonly createdTimeStamp?: string;
  /** Its team members, the Owner included (none is added implicitly). @default none */
  readonly members?: readonly AccountFileMember[];
}

export interface AccountFileProfile {
  readonly userArn: string;
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey?: string;
}

export interface AccountFile {
  readonly version: number;
  readonly projects?: readonly AccountFileProject[];
  readonly profiles?: readonly AccountFileProfile[];
}

/** An account file that cannot be read or loaded: the message names the file and what is wrong. */
export class AccountFileError extends Error {}

/** Reads and checks the shape of an account file (the values are checked when it is loaded). */
export function readAccountFile(file: string): AccountFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf-8'));
  } catch (e) {
    throw new AccountFileError(`${file}: ${(e as Error).message}`);
  }
  const problems = shapeProblems(parsed);
  if (problems.length > 0) {
    throw new AccountFileError(`${file}: ${problems.join('; ')}`);
  }
  return parsed as AccountFile;
}

/** Puts the file's account into an empty endpoint account. */
export function loadAccount(state: LocalCodeStarState, account: AccountFile, file: string): void {
  const at = (where: string, load: () => void) => {
    try {
      load();
    } catch (e) {
      throw new AccountFileError(`${file}: ${where}: ${(e as Error).message}`);
    }
  };
  (account.projects ?? []).forEach((p, i) => at(`projects[${i}] (${p.id})`, () => {
    const { members = [], createdTimeStamp, state: projectState, ...project } = p;
    if (projectState === 'DeleteInProgress') {
      return; // its deletion completes
    }
    state.seedProject({
      ...project,
      state: projectState === 'CreateInProgress' ? 'CreateComplete' : projectState,
      owner: null,
      createdTimeStamp: createdTimeStamp === undefined ? undefined : new Date(createdTimeStamp),
    });
    members.forEach((m, j) => at(`projects[${i}].members[${j}]`, () => state.seedTeamMember(p.id, m)));
  }));
  (account.profiles ?? []).forEach((p, i) => at(`profiles[${i}]`, () => state.seedUserProfile(p)));
}

/** The endpoint's account as an account file. */
export function accountOf(state: LocalCodeStarState): AccountFile {
  return {
    version: ACCOUNT_FILE_VERSION,
    projects: state.projects().map(p => ({
      id: p.id,
      name: p.name,
      ...(p.description === undefined ? {} : { description: p.description }),
      tags: p.tags,
      ...(p.clientRequestToken === undefined ? {} : { clientRequestToken: p.clientRequestToken }),
      state: p.status.state,
      ...(p.status.reason === undefined ? {} : { reason: p.status.reason }),
      createdTimeStamp: p.createdTimeStamp.toISOString(),
      members: state.teamMembers(p.id).map(m => ({
        userArn: m.userArn,
        projectRole: m.projectRole,
        remoteAccessAllowed: m.remoteAccessAllowed,
        ...(m.clientRequestToken === undefined ? {} : { clientRequestToken: m.clientRequestToken }),
      })),
    })),
    profiles: state.userProfiles().map(p => ({
      userArn: p.userArn,
      displayName: p.displayName,
      emailAddress: p.emailAddress,
      ...(p.sshPublicKey === undefined ? {} : { sshPublicKey: p.sshPublicKey }),
    })),
  };
}

/** Writes the file whole or not at all (a crash mid-write leaves the previous version), readable by its owner only. */
export function writeAccountFile(file: string, account: AccountFile): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(account, undefined, 2)}\n`, { mode: 0o600 });
  fs.renameSync(temporary, file);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with the file's structure; the values themselves are the model's to check. */
function shapeProblems(file: unknown): string[] {
  if (!isObject(file)) {
    return ['not a JSON object'];
  }
  const problems: string[] = [];
  if (file.version !== ACCOUNT_FILE_VERSION) {
    problems.push(`version must be ${ACCOUNT_FILE_VERSION}, got ${JSON.stringify(file.version)}`);
  }
  const list = (key: string, item: (value: Record<string, unknown>, where: string) => void) => {
    const value = file[key];
    if (value === undefined) {
      return;
    }
    if (!Array.isArray(value)) {
      problems.push(`${key} must be a list`);
      return;
    }
    value.forEach((entry, i) => (isObject(entry) ? item(entry, `${key}[${i}]`) : problems.push(`${key}[${i}] must be an object`)));
  };
  const known = (value: Record<string, unknown>, where: string, keys: readonly string[]) => {
    for (const key of Object.keys(value).filter(k => !keys.includes(k))) {
      problems.push(`${where}: unknown key ${key} (known: ${keys.join(', ')})`);
    }
  };
  list('projects', (project, where) => {
    known(project, where, ['id', 'name', 'description', 'tags', 'clientRequestToken', 'state', 'reason', 'createdTimeStamp', 'members']);
    if (project.createdTimeStamp !== undefined && Number.isNaN(Date.parse(String(project.createdTimeStamp)))) {
      problems.push(`${where}: createdTimeStamp must be an ISO 8601 date, got ${JSON.stringify(project.createdTimeStamp)}`);
    }
    if (project.members !== undefined && !Array.isArray(project.members)) {
      problems.push(`${where}: members must be a list`);
    }
    (Array.isArray(project.members) ? project.members : []).forEach((member, i) => {
      if (!isObject(member)) {
        problems.push(`${where}.members[${i}] must be an object`);
      } else {
        known(member, `${where}.members[${i}]`, ['userArn', 'projectRole', 'remoteAccessAllowed', 'clientRequestToken']);
      }
    });
  });
  list('profiles', (profile, where) => known(profile, where, ['userArn', 'displayName', 'emailAddress', 'sshPublicKey']));
  known(file, 'the file', ['version', 'projects', 'profiles']);
  return problems;
}
