import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { StackState, StateFile } from './runner/state';

/**
 * The read side of the CloudFormation API, served from the lifecycle runner's state file: the
 * stacks `cdk-codestar deploy` deployed, as CloudFormation would describe them had it deployed
 * them. It speaks the awsQuery protocol the SDK speaks (form-encoded requests, XML answers) for
 * DescribeStacks, GetTemplate and ListStackResources, so that the command line's
 * `--cloudformation` mode runs its real CloudFormation client against it
 * (AWS_ENDPOINT_URL_CLOUDFORMATION). It changes nothing, ever.
 */

export interface LocalCloudFormationOptions {
  /** The runner's state file; read on every request, so later deploys show. */
  readonly stateFile: string;
  /** @default 0: any free port */
  readonly port?: number;
  /** ListStackResources page size. @default 100, as CloudFormation's */
  readonly pageSize?: number;
}

export interface LocalCloudFormation {
  /** `http://127.0.0.1:<port>`: AWS_ENDPOINT_URL_CLOUDFORMATION. */
  readonly url: string;
  /** Actions received so far, in order. */
  readonly actions: readonly string[];
  close(): Promise<void>;
}

const NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

class QueryError extends Error {
  constructor(readonly code: string, message: string, readonly status = 400) {
    super(message);
  }
}

export async function startLocalCloudFormation(options: LocalCloudFormationOptions): Promise<LocalCloudFormation> {
  const stateFile = new StateFile(options.stateFile);
  const pageSize = options.pageSize ?? 100;
  const actions: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', chunk => chunks.push(chunk as Buffer));
    request.on('end', () => {
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf-8'));
      const action = params.get('Action') ?? '';
      actions.push(action);
      let status = 200;
      let body: string;
      try {
        body = answer(action, params, stateFile.load().stacks, pageSize);
      } catch (e) {
        const error = e instanceof QueryError ? e : new QueryError('InternalFailure', String(e), 500);
        status = error.status;
        body = `<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>Sender</Type><Code>${xml(error.code)}</Code>`
          + `<Message>${xml(error.message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
      }
      response.writeHead(status, { 'Content-Type': 'text/xml' });
      response.end(body);
    });
  });
  await new Promise<void>(resolve => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    actions,
    close: () => new Promise<void>(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function answer(action: string, params: URLSearchParams, stacks: Readonly<Record<string, StackState>>, pageSize: number): string {
  switch (action) {
    case 'DescribeStacks':
      return respond(action, `<Stacks>${member(describeStack(stackNamed(params, stacks)))}</Stacks>`);
    case 'GetTemplate': {
      const stack = stackNamed(params, stacks);
      if (stack.template === undefined) {
        throw new QueryError('ValidationError', `Stack ${stack.stackName} has no template in the state (deployed by an older runner)`);
      }
      return respond(action, `<TemplateBody>${xml(JSON.stringify(stack.template))}</TemplateBody>`
        + '<StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>');
    }
    case 'ListStackResources': {
      const stack = stackNamed(params, stacks);
      const all = Object.entries(stack.resources).sort(([a], [b]) => a.localeCompare(b));
      const start = Number(params.get('NextToken') ?? '0');
      if (!Number.isInteger(start) || start < 0 || start > all.length) {
        throw new QueryError('ValidationError', 'Invalid NextToken');
      }
      const page = all.slice(start, start + pageSize);
      const next = start + pageSize < all.length ? `<NextToken>${start + pageSize}</NextToken>` : '';
      const summaries = page.map(([logicalId, r]) => member(
        `<LogicalResourceId>${xml(logicalId)}</LogicalResourceId><PhysicalResourceId>${xml(r.physicalResourceId)}</PhysicalResourceId>`
        + `<ResourceType>${xml(r.type)}</ResourceType><LastUpdatedTimestamp>${new Date(0).toISOString()}</LastUpdatedTimestamp>`
        + `<ResourceStatus>${stack.status.startsWith('CREATE') ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE'}</ResourceStatus>`,
      ));
      return respond(action, `<StackResourceSummaries>${summaries.join('')}</StackResourceSummaries>${next}`);
    }
    default:
      throw new QueryError('InvalidAction', `The action ${action} is not valid for this web service (this stand-in only reads: DescribeStacks, GetTemplate, ListStackResources)`);
  }
}

/** The stack by name or stack id, as CloudFormation looks one up; its error when there is none. */
function stackNamed(params: URLSearchParams, stacks: Readonly<Record<string, StackState>>): StackState {
  const name = params.get('StackName');
  if (name === null) {
    throw new QueryError('ValidationError', 'StackName is required by this stand-in');
  }
  const stack = Object.values(stacks).find(s => s.stackName === name || s.stackId === name);
  if (stack === undefined) {
    throw new QueryError('ValidationError', `Stack with id ${name} does not exist`);
  }
  return stack;
}

function describeStack(stack: StackState): string {
  const parameters = Object.entries(stack.parameters ?? {})
    .map(([key, value]) => member(`<ParameterKey>${xml(key)}</ParameterKey><ParameterValue>${xml(value)}</ParameterValue>`));
  const outputs = Object.entries(stack.outputs).map(([key, value]) => {
    // The state keeps export names and values, not which output made them: the one of the output's value.
    const exported = stack.template?.Outputs?.[key]?.Export === undefined
      ? undefined
      : Object.entries(stack.exports).find(([, v]) => v === value)?.[0];
    return member(`<OutputKey>${xml(key)}</OutputKey><OutputValue>${xml(value)}</OutputValue>`
      + (exported === undefined ? '' : `<ExportName>${xml(exported)}</ExportName>`));
  });
  return `<StackName>${xml(stack.stackName)}</StackName><StackId>${xml(stack.stackId)}</StackId>`
    + `<CreationTime>${new Date(0).toISOString()}</CreationTime><StackStatus>${xml(stack.status)}</StackStatus>`
    + `<Parameters>${parameters.join('')}</Parameters><Outputs>${outputs.join('')}</Outputs>`;
}

function respond(action: string, result: string): string {
  return `<${action}Response xmlns="${NAMESPACE}"><${action}Result>${result}</${action}Result>`
    + `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function member(inner: string): string {
  return `<member>${inner}</member>`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
