import { array, boolean, object, optional, positiveInteger, string, stringMap } from './decode';
import type { ProjectProperties, TeamMemberProperties, UserProfileProperties } from '../src/private/contract';

/**
 * The contract's property shapes as decoders. Each parser is typed against the contract, so a
 * member added there without a decoder here (or the other way round) fails the type check.
 * Only types and required members are checked: lengths and patterns are the service's to enforce,
 * and its ValidationException says precisely what is wrong.
 */

const s3Location = object({ bucketName: string, bucketKey: string });
const s3Source = object({ s3: s3Location });

const code = object({
  source: s3Source,
  destination: object({
    codeCommit: optional(object({ name: string })),
    gitHub: optional(object({
      name: string,
      description: optional(string),
      type: string,
      owner: string,
      privateRepository: boolean,
      issuesEnabled: boolean,
      tokenSecretArn: string,
      tokenSecretJsonField: optional(string),
    })),
  }),
});

const toolchain = object({
  source: s3Source,
  roleArn: optional(string),
  stackParameters: optional(stringMap),
});

const project = object({
  id: string,
  name: string,
  description: optional(string),
  sourceCode: optional(array(code)),
  toolchain: optional(toolchain),
  tags: optional(stringMap),
  deleteStack: optional(boolean),
  timeoutSeconds: optional(positiveInteger),
  adopt: optional(boolean),
  deletionProtection: optional(boolean),
});

const teamMember = object({
  projectId: string,
  userArn: string,
  projectRole: string,
  remoteAccessAllowed: optional(boolean),
});

const userProfile = object({
  userArn: string,
  displayName: string,
  emailAddress: string,
  sshPublicKey: optional(string),
  adopt: optional(boolean),
});

export const parseProjectProperties = (raw: unknown): ProjectProperties => project(raw, '');
export const parseTeamMemberProperties = (raw: unknown): TeamMemberProperties => teamMember(raw, '');
export const parseUserProfileProperties = (raw: unknown): UserProfileProperties => userProfile(raw, '');
