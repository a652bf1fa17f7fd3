import * as http from 'node:http';
import * as https from 'node:https';
import { HandlerError } from './errors';
import type { Logger } from './logger';
import { backoffDelay, Clock } from './retry';

/**
 * The answer to CloudFormation: one JSON document PUT to the request's ResponseURL, a presigned S3
 * URL. The URL is a credential for this one answer: it is never logged.
 */

/** CloudFormation refuses a larger response ("Response object is too long."). */
export const MAX_RESPONSE_BYTES = 4096;

/** Attempts at the PUT: S3 may refuse one now and then, and an unanswered request fails the stack after its ServiceTimeout. */
export const RESPONSE_ATTEMPTS = 5;

/** How long one PUT may take before it is tried again. */
const PUT_TIMEOUT_MS = 10_000;

export interface CloudFormationResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>>;
}

/**
 * The response body. A SUCCESS whose Data would make it too long becomes a FAILED with the reason
 * CloudFormation would give, so the stack fails on our answer rather than waiting for none.
 */
export function responseBody(response: CloudFormationResponse): string {
  const body = JSON.stringify(response);
  if (Buffer.byteLength(body) <= MAX_RESPONSE_BYTES) {
    return body;
  }
  const { Data: _data, ...rest } = response;
  return JSON.stringify({ ...rest, Status: 'FAILED', Reason: `Response object is too long (more than ${MAX_RESPONSE_BYTES} bytes).` });
}

export interface SendOptions {
  readonly clock: Clock;
  readonly log: Logger;
}

/** PUTs the body to the ResponseURL, trying again on a refused or unanswered request. */
export async function sendResponse(responseUrl: string, body: string, options: SendOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(responseUrl);
  } catch {
    throw new HandlerError('Malformed event: ResponseURL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new HandlerError('Malformed event: ResponseURL is not an HTTP(S) URL');
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await put(url, body);
      options.log.info('responded', { attempts: attempt });
      return;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (attempt >= RESPONSE_ATTEMPTS) {
        options.log.error('response-failed', { attempts: attempt, error: reason });
        throw new HandlerError(`The response to CloudFormation could not be delivered (${attempt} attempts)`);
      }
      const delay = backoffDelay(attempt, options.clock.random);
      options.log.warn('response-retry', { attempt, delayMs: delay, error: reason });
      await options.clock.sleep(delay);
    }
  }
}

function put(url: URL, body: string): Promise<void> {
  const send = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const request = send(url, {
      method: 'PUT',
      // The presigned URL signs no content type: S3 refuses a request that sends one it did not sign.
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      timeout: PUT_TIMEOUT_MS,
    }, response => {
      response.resume();
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          resolve();
        } else {
          // The status only: S3's error body may quote the request.
          reject(new Error(`HTTP ${status}`));
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('no answer')));
    request.on('error', error => reject(new Error((error as NodeJS.ErrnoException).code ?? 'request failed')));
    request.end(body);
  });
}
