import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  AssociateTeamMemberCommand, CreateProjectCommand, DescribeProjectCommand, ListTagsForProjectCommand,
} from '@aws-sdk/client-codestar';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { createEvent, deleteEvent, FRAMEWORK_CREATE_FAILED_MARKER, FUNCTION_ARN, Harness, serviceError, STACK_ID, USER_ARN } from './harness';
import { CONTINUATION_KEY } from '../../lambda/continuation';
import { pollDelay } from '../../lambda/custom-resource';
import { MAX_RESPONSE_BYTES, responseBody } from '../../lambda/response';
import { projectToken } from '../../lambda/tokens';
import { PROJECT_RESOURCE_TYPE, TEAM_MEMBER_RESOURCE_TYPE } from '../../src/private/contract';

/**
 * The function's entry, `handler`: CloudFormation's request in, one PUT of the answer to its
 * ResponseURL out (here a local HTTP server standing in for the presigned S3 URL), or a hand-over
 * to a new invocation of the same function when a project's wait outlasts this one.
 */

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Record<string, any>;
}

/** A ResponseURL stand-in: records every PUT; `refuse` answers that many of them with 503 first. */
class ResponseServer {
  public readonly received: Received[] = [];
  public refuse = 0;
  private readonly server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', chunk => chunks.push(chunk));
    request.on('end', () => {
      if (this.refuse > 0) {
        this.refuse--;
        response.writeHead(503).end();
        return;
      }
      this.received.push({ path: request.url ?? '', contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
      response.writeHead(200).end();
    });
  });

  public async start(): Promise<void> {
    await new Promise<void>(resolve => this.server.listen(0, '127.0.0.1', resolve));
  }

  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/response/key?X-Amz-Signature=presigned-secret`;
  }

  public close(): Promise<void> {
    return new Promise(resolve => this.server.close(() => resolve()));
  }
}

const MEMBER = { projectId: 'my-proj', userArn: USER_ARN, projectRole: 'Contributor', remoteAccessAllowed: false };
const PROJECT = { id: 'my-proj', name: 'Project Nightingale' };
/** The project as DescribeProject shows it: this resource's own creation (its token). */
const DESCRIBED = (state: string) => ({
  id: 'my-proj',
  arn: 'arn:aws:codestar:us-east-1:123456789012:project/my-proj',
  name: PROJECT.name,
  clientRequestToken: projectToken({ stackId: STACK_ID, logicalResourceId: 'Resource' }, 'my-proj'),
  status: { state },
});

let harness: Harness;
let server: ResponseServer;
beforeEach(async () => {
  harness = new Harness();
  server = new ResponseServer();
  await server.start();
});
afterEach(async () => {
  harness.expectNoUnexpectedCalls();
  await server.close();
});

function at<T extends object>(event: T): T & { ResponseURL: string } {
  return { ...event, ResponseURL: server.url };
}

describe('one invocation answers a team member', () => {
  test('SUCCESS with the physical id and Data, PUT without a content type, echoing the request\'s ids', async () => {
    harness.codestar.on(AssociateTeamMemberCommand).resolves({});

    await harness.handler(at(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER, { requestId: 'req-7', logicalResourceId: 'Member' })));

    expect(server.received).toHaveLength(1);
    const [{ path, contentType, body }] = server.received;
    expect(path).toBe('/response/key?X-Amz-Signature=presigned-secret');
    expect(contentType).toBe('');
    expect(body).toEqual({
      Status: 'SUCCESS',
      Reason: 'SUCCESS',
      PhysicalResourceId: `my-proj|${USER_ARN}`,
      StackId: expect.stringMatching(/^arn:aws:cloudformation:/),
      RequestId: 'req-7',
      LogicalResourceId: 'Member',
      Data: { ProjectId: 'my-proj', UserArn: USER_ARN },
    });
    expect(harness.clock.sleeps).toEqual([]);
    expect(harness.lambda.calls()).toHaveLength(0);
  });

  test('a failed create answers FAILED with the short reason and the create-failed physical id', async () => {
    harness.codestar.on(AssociateTeamMemberCommand).rejects(serviceError('ProjectNotFoundException', 'no such project'));

    await harness.handler(at(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER)));

    expect(server.received.map(r => r.body)).toEqual([expect.objectContaining({
      Status: 'FAILED',
      PhysicalResourceId: FRAMEWORK_CREATE_FAILED_MARKER,
      Reason: expect.stringContaining('ProjectNotFoundException'),
    })]);
  });

  test('the Delete of a failed create is acknowledged without a call', async () => {
    await harness.handler(at(deleteEvent(TEAM_MEMBER_RESOURCE_TYPE, FRAMEWORK_CREATE_FAILED_MARKER, MEMBER)));

    expect(server.received.map(r => r.body.Status)).toEqual(['SUCCESS']);
    expect(server.received[0].body.PhysicalResourceId).toBe(FRAMEWORK_CREATE_FAILED_MARKER);
    expect(harness.codestar.calls()).toHaveLength(0);
  });

  test('a refused PUT is tried again; the ResponseURL is never logged', async () => {
    harness.codestar.on(AssociateTeamMemberCommand).resolves({});
    server.refuse = 2;

    await harness.handler(at(createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER)));

    expect(server.received.map(r => r.body.Status)).toEqual(['SUCCESS']);
    expect(harness.logs.join('\n')).not.toContain('presigned-secret');
    expect(harness.logs.map(line => JSON.parse(line).event)).toEqual(expect.arrayContaining(['response-retry', 'responded']));
  });

  test('an event without a ResponseURL is logged and left unanswered', async () => {
    const { ResponseURL: _url, ...event } = createEvent(TEAM_MEMBER_RESOURCE_TYPE, MEMBER);

    await harness.handler(event);

    expect(server.received).toEqual([]);
    expect(harness.logs.map(line => JSON.parse(line).reason)).toContain('Malformed event: ResponseURL is missing');
  });
});

describe('a project waits for CodeStar', () => {
  beforeEach(() => {
    harness.codestar
      .on(CreateProjectCommand).resolves({ id: 'my-proj' })
      .on(ListTagsForProjectCommand).resolves({ tags: {} });
  });

  test('checks at once, then at growing intervals, and answers once CodeStar is done', async () => {
    harness.codestar.on(DescribeProjectCommand)
      .resolvesOnce(DESCRIBED('CreateInProgress')) // onEvent's own look at the new project
      .resolvesOnce(DESCRIBED('CreateInProgress'))
      .resolvesOnce(DESCRIBED('CreateInProgress'))
      .resolves(DESCRIBED('CreateComplete'));

    await harness.handler(at(createEvent(PROJECT_RESOURCE_TYPE, PROJECT)));

    expect(harness.clock.sleeps).toEqual([250, 500]);
    expect(server.received.map(r => r.body)).toEqual([expect.objectContaining({
      Status: 'SUCCESS', PhysicalResourceId: 'my-proj', Data: expect.objectContaining({ Id: 'my-proj' }),
    })]);
  });

  test('a wait longer than the invocation goes on in a new invocation of the same function, which answers', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(DESCRIBED('CreateInProgress'));
    harness.lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    harness.remainingMs = 4_000; // a quarter (1 s) is kept for a check: the third check would start too late

    await harness.handler(at(createEvent(PROJECT_RESOURCE_TYPE, PROJECT)));

    expect(server.received).toEqual([]);
    const [invoke] = harness.lambda.commandCalls(InvokeCommand);
    expect(invoke.args[0].input).toMatchObject({ FunctionName: FUNCTION_ARN, InvocationType: 'Event' });
    const payload = JSON.parse(Buffer.from(invoke.args[0].input.Payload as Uint8Array).toString());
    expect(payload[CONTINUATION_KEY]).toMatchObject({ physicalResourceId: 'my-proj', invocation: 2 });
    expect(payload.ResponseURL).toBe(server.url);

    // WHEN the next invocation runs with that payload and CodeStar has finished
    harness.codestar.on(DescribeProjectCommand).resolves(DESCRIBED('CreateComplete'));
    await harness.handler(payload);

    // THEN it answers, without creating again
    expect(harness.codestar.commandCalls(CreateProjectCommand)).toHaveLength(1);
    expect(server.received.map(r => r.body)).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'my-proj' })]);
  });

  test('a hand-over Lambda refuses fails the request with a reason', async () => {
    harness.codestar.on(DescribeProjectCommand).resolves(DESCRIBED('CreateInProgress'));
    harness.lambda.on(InvokeCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    harness.remainingMs = 4_000;

    await harness.handler(at(createEvent(PROJECT_RESOURCE_TYPE, PROJECT)));

    expect(server.received.map(r => r.body)).toEqual([expect.objectContaining({
      Status: 'FAILED',
      PhysicalResourceId: 'my-proj',
      Reason: 'Could not go on waiting in a new invocation: AccessDeniedException',
    })]);
  });

  test('a continuation record this function did not write fails the request', async () => {
    await harness.handler(at({ ...deleteEvent(PROJECT_RESOURCE_TYPE, 'my-proj', PROJECT), [CONTINUATION_KEY]: { invocation: 'x' } }));

    expect(server.received.map(r => r.body)).toEqual([expect.objectContaining({
      Status: 'FAILED', PhysicalResourceId: 'my-proj', Reason: `Malformed event: ${CONTINUATION_KEY} is not one this function wrote`,
    })]);
  });
});

test('poll delays double from 0.25 s up to 15 s', () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 30].map(pollDelay)).toEqual([250, 500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]);
});

test('a response CloudFormation would refuse as too long becomes a FAILED answer without Data', () => {
  const response = { Status: 'SUCCESS' as const, Reason: 'SUCCESS', PhysicalResourceId: 'p', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' };
  expect(JSON.parse(responseBody({ ...response, Data: { a: 'x' } }))).toEqual({ ...response, Data: { a: 'x' } });

  const tooLong = JSON.parse(responseBody({ ...response, Data: { a: 'x'.repeat(MAX_RESPONSE_BYTES) } }));

  expect(tooLong).toEqual({ ...response, Status: 'FAILED', Reason: `Response object is too long (more than ${MAX_RESPONSE_BYTES} bytes).` });
});
