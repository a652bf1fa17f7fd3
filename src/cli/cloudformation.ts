import * as fs from 'node:fs';
import * as path from 'node:path';
// Types only: the code is the bundle (assets/cloudformation-sdk), loaded when `--cloudformation` needs it.
// eslint-disable-next-line import/no-extraneous-dependencies
import type * as CloudFormationSdk from '@aws-sdk/client-cloudformation';
import { CodeStarReader, sdkClientSettings } from './codestar';
import { CommandError } from './errors';
import { evaluateCondition, IntrinsicContext, ResolveError, resolveValue } from '../local/cfn/intrinsics';
import { simulatedAttribute } from '../local/cfn/simulated';
import { CfnTemplate, resourceDependencies, topologicalOrder } from '../local/cfn/template';
import { CODESTAR_RESOURCE_TYPES, stringifyScalars } from '../local/runner';
import type { ResourceState, StackState } from '../local/runner';
import { PROJECT_RESOURCE_TYPE, ProjectAttributes, TEAM_MEMBER_RESOURCE_TYPE, TeamMemberAttributes, USER_PROFILE_RESOURCE_TYPE, UserProfileAttributes } from '../private/contract';
import { paginate } from '../private/paginate';
import { parseTeamMemberId, parseUserProfileId } from '../private/physical-ids';

/** The frozen CloudFormation SDK, bundled by `bundle:cli-sdk`; relative to src/cli and lib/cli alike. */
export const CLOUDFORMATION_SDK_BUNDLE = path.join(__dirname, '..', '..', 'assets', 'cloudformation-sdk', 'index.js');

/**
 * A stack that CloudFormation deployed, read through its API (DescribeStacks, GetTemplate,
 * ListStackResources; read-only) into the shape of the runner's state, so that `plan` and `drift`
 * compare with it as they compare with what `cdk-codestar deploy` deployed. CloudFormation does not
 * say what properties it last delivered to a custom resource: they are the deployed template's,
 * resolved with the stack's parameters and its resources' physical ids; a CodeStar resource's
 * attributes come from its physical id (a project's, from DescribeProject).
 */
export class CloudFormationReader {
  public static fromEnvironment(env: NodeJS.ProcessEnv, codestar: CodeStarReader): CloudFormationReader {
    if (!fs.existsSync(CLOUDFORMATION_SDK_BUNDLE)) {
      throw new CommandError(`the CloudFormation SDK bundle is missing (${CLOUDFORMATION_SDK_BUNDLE}): build the package (npx projen bundle:cli-sdk)`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sdk = require(CLOUDFORMATION_SDK_BUNDLE) as typeof CloudFormationSdk;
    const client = new sdk.CloudFormationClient(sdkClientSettings(env, env.AWS_ENDPOINT_URL_CLOUDFORMATION ?? env.AWS_ENDPOINT_URL));
    return new CloudFormationReader(sdk, client, codestar);
  }

  private constructor(
    private readonly sdk: typeof CloudFormationSdk,
    private readonly client: CloudFormationSdk.CloudFormationClient,
    private readonly codestar: CodeStarReader,
  ) {}

  /** The deployed stack, or undefined when CloudFormation has none of that name. */
  public async stack(stackName: string): Promise<StackState | undefined> {
    let described: CloudFormationSdk.Stack | undefined;
    try {
      described = (await this.client.send(new this.sdk.DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (e) {
      if ((e as Error).name === 'ValidationError' && /does not exist/.test((e as Error).message)) {
        return undefined;
      }
      throw e;
    }
    if (described?.StackId === undefined || described.StackStatus === 'DELETE_COMPLETE' || described.StackStatus === 'REVIEW_IN_PROGRESS') {
      return undefined;
    }
    const stackId = described.StackId;
    const body = (await this.client.send(new this.sdk.GetTemplateCommand({ StackName: stackId, TemplateStage: 'Original' }))).TemplateBody ?? '{}';
    let template: CfnTemplate;
    try {
      template = JSON.parse(body) as CfnTemplate;
    } catch {
      throw new CommandError(`the template of stack ${stackName} is not JSON (a YAML template is not read here): compare with a cdk synth of it instead`);
    }
    const summaries: CloudFormationSdk.StackResourceSummary[] = [];
    const pages = paginate(
      async (NextToken: string | undefined) => {
        const page = await this.client.send(new this.sdk.ListStackResourcesCommand({ StackName: stackId, NextToken }));
        return { ...page, nextToken: page.NextToken };
      },
      message => new CommandError(`CloudFormation: ${message}`),
    );
    for await (const page of pages) {
      summaries.push(...(page.StackResourceSummaries ?? []));
    }
    // arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>
    const [, partition, , region, account] = stackId.split(':');
    const parameters = Object.fromEntries((described.Parameters ?? []).map(p => [p.ParameterKey ?? '', p.ResolvedValue ?? p.ParameterValue ?? '']));
    const outputs = Object.fromEntries((described.Outputs ?? []).map(o => [o.OutputKey ?? '', o.OutputValue ?? '']));
    const exports = Object.fromEntries((described.Outputs ?? []).filter(o => o.ExportName).map(o => [o.ExportName!, o.OutputValue ?? '']));
    const name = described.StackName ?? stackName;
    const resources = await this.resources(template, summaries, { stackName: name, stackId, partition, region, account, parameters });
    return {
      stackName: name,
      stackId,
      region,
      account,
      status: described.StackStatus ?? 'UNKNOWN',
      dependencies: [],
      resources,
      outputs,
      exports,
      template,
      parameters,
    };
  }

  private async resources(
    template: CfnTemplate,
    summaries: readonly CloudFormationSdk.StackResourceSummary[],
    stack: { stackName: string; stackId: string; partition: string; region: string; account: string; parameters: Record<string, string> },
  ): Promise<Record<string, ResourceState>> {
    const declared = template.Resources ?? {};
    const deployed = new Map(summaries.filter(s => s.LogicalResourceId && s.PhysicalResourceId).map(s => [s.LogicalResourceId!, s]));
    const ids = new Set([...deployed.keys()].filter(id => id in declared));
    const records: Record<string, ResourceState> = {};
    const conditions = new Map<string, boolean>();
    const env = { stackName: stack.stackName, region: stack.region, account: stack.account, partition: stack.partition };
    const ctx: IntrinsicContext = {
      pseudo: {
        'AWS::AccountId': stack.account,
        'AWS::Region': stack.region,
        'AWS::Partition': stack.partition,
        'AWS::URLSuffix': 'amazonaws.com',
        'AWS::StackName': stack.stackName,
        'AWS::StackId': stack.stackId,
        'AWS::NotificationARNs': [],
      },
      parameter: name => {
        const parameter = template.Parameters?.[name];
        if (parameter === undefined) {
          return undefined;
        }
        const value = stack.parameters[name] ?? parameter.Default;
        return parameter.Type === 'CommaDelimitedList' || parameter.Type.startsWith('List<') ? String(value).split(',') : value;
      },
      ref: id => recordOf(id).physicalResourceId,
      getAtt: (id, attribute) => {
        const record = recordOf(id);
        if (record.simulated) {
          return simulatedAttribute(record.type, id, record.properties, attribute, env, record.physicalResourceId);
        }
        if (!(attribute in record.data)) {
          throw new ResolveError(`${id} has no attribute ${attribute} that can be read back`);
        }
        return record.data[attribute];
      },
      condition: name => {
        if (!conditions.has(name)) {
          conditions.set(name, evaluateCondition(template.Conditions?.[name], ctx));
        }
        return conditions.get(name)!;
      },
      importValue: name => {
        throw new ResolveError(`Fn::ImportValue ${name} is not read back from CloudFormation`);
      },
      findInMap: (map, top, second) => {
        const value = template.Mappings?.[map]?.[top]?.[second];
        if (value === undefined) {
          throw new ResolveError(`Fn::FindInMap: no ${map}.${top}.${second}`);
        }
        return value;
      },
    };
    function recordOf(id: string): ResourceState {
      const record = records[id];
      if (record === undefined) {
        throw new ResolveError(`Resource ${id} is not deployed`);
      }
      return record;
    }

    for (const id of topologicalOrder([...ids], i => resourceDependencies(declared[i], ids))) {
      const resource = declared[id];
      const summary = deployed.get(id)!;
      const physicalResourceId = summary.PhysicalResourceId!;
      const codestar = CODESTAR_RESOURCE_TYPES.includes(resource.Type);
      let properties: Record<string, unknown> = {};
      try {
        properties = stringifyScalars(resolveValue(resource.Properties ?? {}, ctx)) as Record<string, unknown>;
      } catch (e) {
        if (codestar) {
          throw new CommandError(`the deployed properties of ${id} cannot be read back from CloudFormation: ${(e as Error).message}`);
        }
        // A simulated resource's values hardly depend on its properties: unresolvable ones are left out.
      }
      records[id] = {
        type: resource.Type,
        physicalResourceId,
        properties,
        data: codestar ? await this.attributes(resource.Type, physicalResourceId) : {},
        dependsOn: resourceDependencies(resource, ids),
        deletionPolicy: resource.DeletionPolicy,
        updateReplacePolicy: resource.UpdateReplacePolicy,
        simulated: !codestar,
      };
    }
    return records;
  }

  /** What the handler answered as Data, from the physical id (and, for a project, CodeStar's own answers). */
  private async attributes(type: string, physicalId: string): Promise<Record<string, unknown>> {
    switch (type) {
      case PROJECT_RESOURCE_TYPE: {
        const project = await this.codestar.project(physicalId);
        return {
          [ProjectAttributes.ID]: physicalId,
          [ProjectAttributes.ARN]: project?.arn ?? '',
          [ProjectAttributes.STACK_ID]: project?.stackId ?? '',
          [ProjectAttributes.PROJECT_TEMPLATE_ID]: project?.projectTemplateId ?? '',
        };
      }
      case TEAM_MEMBER_RESOURCE_TYPE: {
        const id = parseTeamMemberId(physicalId);
        return { [TeamMemberAttributes.PROJECT_ID]: id?.projectId ?? '', [TeamMemberAttributes.USER_ARN]: id?.userArn ?? '' };
      }
      case USER_PROFILE_RESOURCE_TYPE:
        return { [UserProfileAttributes.USER_ARN]: parseUserProfileId(physicalId)?.userArn ?? '' };
      default:
        return {};
    }
  }
}
