import * as fs from 'node:fs';
import * as path from 'node:path';
// Types only: the code is the bundle (assets/codestar-sdk), loaded when a command first needs it.
// eslint-disable-next-line import/no-extraneous-dependencies
import type * as CodeStarSdk from '@aws-sdk/client-codestar';
import { CommandError } from './errors';
import { paginate } from '../private/paginate';

/** The frozen CodeStar SDK, bundled by `bundle:cli-sdk`; relative to src/cli and lib/cli alike. */
export const CODESTAR_SDK_BUNDLE = path.join(__dirname, '..', '..', 'assets', 'codestar-sdk', 'index.js');

/** What the command line reads of a project (DescribeProject and ListTagsForProject). */
export interface LiveProject {
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly description?: string;
  readonly tags: Record<string, string>;
  /** The project's own CloudFormation stack. */
  readonly stackId?: string;
  readonly projectTemplateId?: string;
  readonly state?: string;
  /** CreateProject's token, which proves whose creation the project is (src/private/tokens.ts). */
  readonly clientRequestToken?: string;
  readonly createdTimeStamp?: Date;
}

export interface LiveTeamMember {
  readonly userArn: string;
  readonly projectRole: string;
  readonly remoteAccessAllowed: boolean;
}

/** Personal data: display name, e-mail address and SSH key. */
export interface LiveUserProfile {
  readonly userArn: string;
  readonly displayName: string;
  readonly emailAddress: string;
  readonly sshPublicKey: string;
}

/**
 * Read-only access to a CodeStar account: every call here is a Describe or List, every List is
 * followed to its last page. The target is the SDK's own choice (AWS_ENDPOINT_URL_CODESTAR, the
 * region and credential chains), as for any AWS tool.
 */
export class CodeStarReader {
  /** `env` as the command sees it; the SDK itself reads the endpoint from the process environment. */
  public static fromEnvironment(env: NodeJS.ProcessEnv): CodeStarReader {
    const sdk = loadSdk();
    const client = new sdk.CodeStarClient(sdkClientSettings(env, env.AWS_ENDPOINT_URL_CODESTAR ?? env.AWS_ENDPOINT_URL));
    return new CodeStarReader(sdk, client);
  }

  private constructor(private readonly sdk: typeof CodeStarSdk, private readonly client: CodeStarSdk.CodeStarClient) {}

  /** Every project id of the account (ListProjects, every page). */
  public async projectIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of this.pages(nextToken => this.client.send(new this.sdk.ListProjectsCommand({ nextToken })))) {
      ids.push(...(page.projects ?? []).map(p => p.projectId ?? '').filter(id => id !== ''));
    }
    return ids;
  }

  /** The project, or undefined when there is none of that id. */
  public async project(id: string): Promise<LiveProject | undefined> {
    let described: CodeStarSdk.DescribeProjectCommandOutput;
    const tags: Record<string, string> = {};
    try {
      described = await this.client.send(new this.sdk.DescribeProjectCommand({ id }));
      for await (const page of this.pages(nextToken => this.client.send(new this.sdk.ListTagsForProjectCommand({ id, nextToken })))) {
        Object.assign(tags, page.tags);
      }
    } catch (e) {
      // Also when it goes between the two calls (a project being deleted).
      if ((e as Error).name === 'ProjectNotFoundException') {
        return undefined;
      }
      throw e;
    }
    return {
      id,
      arn: described.arn ?? '',
      name: described.name ?? '',
      ...(described.description ? { description: described.description } : {}),
      tags,
      ...(described.stackId ? { stackId: described.stackId } : {}),
      ...(described.projectTemplateId ? { projectTemplateId: described.projectTemplateId } : {}),
      ...(described.status?.state ? { state: described.status.state } : {}),
      ...(described.clientRequestToken ? { clientRequestToken: described.clientRequestToken } : {}),
      ...(described.createdTimeStamp ? { createdTimeStamp: described.createdTimeStamp } : {}),
    };
  }

  /** The project's team (ListTeamMembers, every page), or undefined when the project does not exist. */
  public async teamMembers(projectId: string): Promise<LiveTeamMember[] | undefined> {
    const members: LiveTeamMember[] = [];
    try {
      for await (const page of this.pages(nextToken => this.client.send(new this.sdk.ListTeamMembersCommand({ projectId, nextToken })))) {
        members.push(...(page.teamMembers ?? []).map(m => ({
          userArn: m.userArn ?? '',
          projectRole: m.projectRole ?? '',
          remoteAccessAllowed: m.remoteAccessAllowed ?? false,
        })));
      }
    } catch (e) {
      if ((e as Error).name === 'ProjectNotFoundException') {
        return undefined;
      }
      throw e;
    }
    return members;
  }

  /** The AWS resources CodeStar made for the project (ListResources, every page): their ARNs. */
  public async projectResources(projectId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of this.pages(nextToken => this.client.send(new this.sdk.ListResourcesCommand({ projectId, nextToken })))) {
      ids.push(...(page.resources ?? []).map(r => r.id ?? '').filter(id => id !== ''));
    }
    return ids;
  }

  /** Every user profile of the account (ListUserProfiles, every page). */
  public async userProfiles(): Promise<LiveUserProfile[]> {
    const profiles: LiveUserProfile[] = [];
    for await (const page of this.pages(nextToken => this.client.send(new this.sdk.ListUserProfilesCommand({ nextToken })))) {
      profiles.push(...(page.userProfiles ?? []).map(p => profileOf(p)));
    }
    return profiles;
  }

  /** The user's profile, or undefined when there is none. */
  public async userProfile(userArn: string): Promise<LiveUserProfile | undefined> {
    try {
      return profileOf(await this.client.send(new this.sdk.DescribeUserProfileCommand({ userArn })));
    } catch (e) {
      if ((e as Error).name === 'UserProfileNotFoundException') {
        return undefined;
      }
      throw e;
    }
  }

  private pages<P extends { readonly nextToken?: string }>(fetch: (nextToken: string | undefined) => Promise<P>): AsyncGenerator<P> {
    return paginate(fetch, message => new CommandError(`CodeStar: ${message}`));
  }
}

function profileOf(p: CodeStarSdk.UserProfileSummary | CodeStarSdk.DescribeUserProfileCommandOutput): LiveUserProfile {
  return {
    userArn: p.userArn ?? '',
    displayName: p.displayName ?? '',
    emailAddress: p.emailAddress ?? '',
    sshPublicKey: p.sshPublicKey ?? '',
  };
}

/**
 * A client's settings from the command's environment: its endpoint (as the SDK's standard
 * AWS_ENDPOINT_URL_<SERVICE> gives it) and region; a local endpoint checks no signature, so it needs
 * no credentials, while real AWS gets the usual credential chain.
 */
export function sdkClientSettings(env: NodeJS.ProcessEnv, endpoint: string | undefined) {
  const local = endpoint !== undefined && isLoopback(endpoint);
  return {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? 'us-east-1' : undefined),
    ...(local && env.AWS_ACCESS_KEY_ID === undefined && env.AWS_PROFILE === undefined
      ? { credentials: { accessKeyId: 'ASIALOCALCODESTAR000', secretAccessKey: 'local-codestar-fake-secret-key' } }
      : {}),
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}

function isLoopback(url: string): boolean {
  try {
    return ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);
  } catch {
    return false;
  }
}

function loadSdk(): typeof CodeStarSdk {
  if (!fs.existsSync(CODESTAR_SDK_BUNDLE)) {
    throw new CommandError(`the CodeStar SDK bundle is missing (${CODESTAR_SDK_BUNDLE}): build the package (npx projen bundle:cli-sdk)`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(CODESTAR_SDK_BUNDLE) as typeof CodeStarSdk;
}
