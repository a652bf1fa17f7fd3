import * as http from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { FunctionModule, FunctionOptions, localLambdaEndpoint, localResponseUrl, outcomeOf, runFunction } from '../../src/local/runner/function';
import { CustomResourceEvent, LambdaContext } from '../../src/local/runner/provider';

/**
 * The runner's way of running a function that answers CloudFormation itself: CloudFormation's
 * asynchronous invocation, the answer PUT to the ResponseURL and checked as CloudFormation checks
 * it, Lambda's retries of a failed invocation, the ServiceTimeout, and the function's own
 * invocations through the Lambda stand-in (the SDK's real LambdaClient, at AWS_ENDPOINT_URL_LAMBDA).
 */

const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/S/11111111-2222-3333-4444-555555555555';
let requests = 0;

async function newEvent(overrides: Partial<CustomResourceEvent> = {}): Promise<CustomResourceEvent> {
  const requestId = `request-${++requests}`;
  return {
    RequestType: 'Create',
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:S-Handler',
    ResponseURL: await localResponseUrl(STACK_ID, 'Member', requestId),
    StackId: STACK_ID,
    RequestId: requestId,
    LogicalResourceId: 'Member',
    ResourceType: 'Custom::CodeStarTeamMember',
    ResourceProperties: {},
    ...overrides,
  };
}

/** PUTs a body to a URL, as the handler's response.ts does; answers the status code. */
function put(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function answer(event: any, fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Status: 'SUCCESS',
    Reason: 'SUCCESS',
    PhysicalResourceId: 'member-1',
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: { Role: 'Viewer' },
    ...fields,
  });
}

function options(module: FunctionModule, overrides: Partial<FunctionOptions> = {}): FunctionOptions {
  return {
    module,
    functionName: 'S-Handler',
    region: 'us-east-1',
    account: '123456789012',
    timeoutMs: 5_000,
    environment: { AWS_ACCESS_KEY_ID: 'ASIALOCALTEST0000000', AWS_SECRET_ACCESS_KEY: 'fake', AWS_SESSION_TOKEN: 'fake' },
    retryDelaysMs: [1, 1],
    ...overrides,
  };
}

describe('runFunction', () => {
  test('the answer PUT to the ResponseURL is the outcome, in one invocation with a Lambda context and environment', async () => {
    const seen: { context?: LambdaContext; region?: string; lambda?: string } = {};
    const event = await newEvent();
    const outcome = await runFunction(event, options({
      handler: async (e: any, context) => {
        Object.assign(seen, { context, region: process.env.AWS_REGION, lambda: process.env.AWS_ENDPOINT_URL_LAMBDA });
        expect(await put(e.ResponseURL, answer(e))).toBe(200);
      },
    }));

    expect(outcome).toEqual({ status: 'SUCCESS', physicalResourceId: 'member-1', data: { Role: 'Viewer' }, invocations: 1 });
    expect(seen.context?.invokedFunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:S-Handler');
    expect(seen.region).toBe('us-east-1');
    expect(seen.lambda).toBe(await localLambdaEndpoint());
    // The environment is Lambda's only while an invocation runs.
    expect(process.env.AWS_ENDPOINT_URL_LAMBDA).toBeUndefined();
  });

  test('a FAILED answer fails the request with its reason and physical id', async () => {
    const outcome = await runFunction(await newEvent(), options({
      handler: async (e: any) => { await put(e.ResponseURL, answer(e, { Status: 'FAILED', Reason: 'User not found', PhysicalResourceId: 'x' })); },
    }));

    expect(outcome).toEqual({ status: 'FAILED', reason: 'User not found', physicalResourceId: 'x', invocations: 1 });
  });

  test('the function invokes itself (Event) through the Lambda stand-in with the real SDK client; the last invocation answers', async () => {
    const outcome = await runFunction(await newEvent(), options({
      handler: async (e: any, context) => {
        if (e.Continued === undefined) {
          const lambda = new LambdaClient({ region: process.env.AWS_REGION });
          const sent = await lambda.send(new InvokeCommand({
            FunctionName: context.invokedFunctionArn, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify({ ...e, Continued: 1 })),
          }));
          lambda.destroy();
          expect(sent.StatusCode).toBe(202);
          return;
        }
        await put(e.ResponseURL, answer(e));
      },
    }));

    expect(outcome).toMatchObject({ status: 'SUCCESS', physicalResourceId: 'member-1', invocations: 2 });
  });

  test('the Lambda stand-in refuses a function it does not run, as Lambda does', async () => {
    const lambda = new LambdaClient({
      region: 'us-east-1', endpoint: await localLambdaEndpoint(), credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'nobody', InvocationType: 'Event', Payload: Buffer.from('{}') })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    lambda.destroy();
  });

  test('a failed invocation is retried twice with the same event, as Lambda retries an asynchronous invocation', async () => {
    const requestIds: string[] = [];
    const outcome = await runFunction(await newEvent(), options({
      handler: async (e: any) => {
        requestIds.push(e.RequestId);
        if (requestIds.length < 3) {
          throw new Error('boom');
        }
        await put(e.ResponseURL, answer(e));
      },
    }));

    expect(outcome).toMatchObject({ status: 'SUCCESS', invocations: 3 });
    expect(new Set(requestIds).size).toBe(1);
  });

  test('a function that ends without answering fails the request with the ServiceTimeout reason, after Lambda\'s retries', async () => {
    const event = await newEvent({ PhysicalResourceId: 'old-id', RequestType: 'Update' });
    const outcome = await runFunction(event, options({ handler: () => { throw new Error('boom'); } }, { serviceTimeoutMs: 60_000 }));

    expect(outcome).toEqual({
      status: 'FAILED',
      reason: 'Custom resource did not stabilize within its ServiceTimeout of 60 seconds (the function ended without answering)',
      physicalResourceId: 'old-id',
      invocations: 3,
    });
  });

  test('no answer within the ServiceTimeout fails the request', async () => {
    const hanging = { handler: () => new Promise(() => undefined) };
    const outcome = await runFunction(await newEvent(), options(hanging, { serviceTimeoutMs: 50, timeoutMs: 100 }));

    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'Custom resource did not stabilize within its ServiceTimeout of 0.05 seconds' });
  });

  test('an invocation that outlives the function timeout fails with "Task timed out" and is retried', async () => {
    let calls = 0;
    const outcome = await runFunction(await newEvent(), options({
      handler: async (e: any) => {
        if (++calls === 1) {
          await new Promise(resolve => setTimeout(resolve, 200));
          return;
        }
        await put(e.ResponseURL, answer(e));
      },
    }, { timeoutMs: 30 }));

    expect(outcome).toMatchObject({ status: 'SUCCESS', invocations: 2 });
  });

  test('the response bucket refuses a URL whose signature is not the request\'s', async () => {
    const event = await newEvent();
    const outcome = await runFunction(event, options({
      handler: async (e: any) => {
        const forged = e.ResponseURL.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
        expect(await put(forged, answer(e))).toBe(403);
        await put(e.ResponseURL, answer(e));
      },
    }));

    expect(outcome.status).toBe('SUCCESS');
  });

  test('a second answer is taken and ignored, as S3 takes a PUT to a valid URL and CloudFormation keeps the first', async () => {
    const statuses: number[] = [];
    const event = await newEvent();
    const outcome = await runFunction(event, options({
      handler: async (e: any) => {
        statuses.push(await put(e.ResponseURL, answer(e)));
        statuses.push(await put(e.ResponseURL, answer(e, { Status: 'FAILED', Reason: 'second thoughts' })));
      },
    }));

    expect(outcome).toMatchObject({ status: 'SUCCESS', physicalResourceId: 'member-1' });
    expect(statuses).toEqual([200, 200]);
  });

  test('an answer ends the wait for a retry: a failed invocation is not retried once the request is answered', async () => {
    let invocations = 0;
    const event = await newEvent();
    const started = Date.now();
    const outcome = await runFunction(event, options({
      handler: async (e: any) => {
        invocations++;
        // Answered from elsewhere (an earlier invocation's continuation, say) while Lambda waits to retry this one.
        setTimeout(() => void put(e.ResponseURL, answer(e)), 50);
        throw new Error('boom');
      },
    }, { retryDelaysMs: [10_000] }));

    expect(outcome.status).toBe('SUCCESS');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect([invocations, outcome.invocations]).toEqual([1, 1]);
  });
});

describe('outcomeOf: the answer as CloudFormation checks it', () => {
  const event = {
    RequestType: 'Update',
    ServiceToken: 't',
    ResponseURL: 'u',
    StackId: STACK_ID,
    RequestId: 'r-1',
    LogicalResourceId: 'Member',
    ResourceType: 'Custom::CodeStarTeamMember',
    ResourceProperties: {},
    PhysicalResourceId: 'old-id',
  } as const;
  const body = (fields: Record<string, unknown>) => Buffer.from(answer(event, fields));

  test.each([
    ['a body over 4,096 bytes', { Data: { Big: 'x'.repeat(4096) } }, 'Response object is too long.'],
    ['another request\'s RequestId', { RequestId: 'r-2' }, 'Invalid response object: RequestId "r-2" is not the request\'s'],
    ['another stack\'s StackId', { StackId: 'other' }, 'Invalid response object: StackId "other" is not the request\'s'],
    ['another resource\'s LogicalResourceId', { LogicalResourceId: 'Other' }, 'Invalid response object: LogicalResourceId "Other" is not the request\'s'],
    ['an empty PhysicalResourceId', { PhysicalResourceId: '' }, 'Invalid PhysicalResourceId'],
    ['a PhysicalResourceId over 1,024 characters', { PhysicalResourceId: 'p'.repeat(1025) }, 'Invalid PhysicalResourceId'],
    ['a Status that is neither SUCCESS nor FAILED', { Status: 'OK' }, 'Invalid response object: Status "OK" is neither SUCCESS nor FAILED'],
    ['Data that is not an object', { Data: ['a'] }, 'Invalid response object: Data is not an object'],
  ])('%s fails the request, keeping its physical id', (_name, fields, reason) => {
    expect(outcomeOf(event, body(fields))).toEqual({ status: 'FAILED', reason, physicalResourceId: 'old-id' });
  });

  test('a body that is not JSON fails the request', () => {
    expect(outcomeOf(event, Buffer.from('<html>'))).toMatchObject({ status: 'FAILED', reason: 'Invalid response object: the body is not a JSON object' });
  });

  test('a FAILED answer without a reason still says it failed', () => {
    expect(outcomeOf(event, body({ Status: 'FAILED', Reason: '' }))).toEqual({ status: 'FAILED', reason: 'Failed (no reason given)', physicalResourceId: 'member-1' });
  });
});
