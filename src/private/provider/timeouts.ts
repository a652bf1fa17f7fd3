import { Duration } from 'aws-cdk-lib';
import { DEFAULT_PROJECT_TIMEOUT_SECONDS, POLL_INTERVAL_MAX_SECONDS } from '../contract';

/*
 * Timeouts. Each one fails with its own clear reason before the next one could fail with a vaguer
 * one (test/security/bounded-failure.test.ts proves the chain):
 *
 * - The handler's deadline, in each invocation: the Lambda's remaining time minus a margin
 *   (lambda/retry.ts computeDeadline). Every service call and retry is cut there: "<Operation> did
 *   not succeed before the handler's deadline (...)". It comes before HANDLER_TIMEOUT, the Lambda
 *   timeout, which comes before MEMBER_SERVICE_TIMEOUT, the serviceTimeout of a team member or user
 *   profile (one invocation each).
 * - A project's `timeout` (default DEFAULT_PROJECT_TIMEOUT): how long the function waits for
 *   CodeStar, counted from onEvent, over as many invocations as it takes (lambda/continuation.ts):
 *   "Project <id> is still <state> after its timeout of <n> seconds". The check that notices it
 *   (at most QUERY_INTERVAL after the last) and that invocation (HANDLER_TIMEOUT) fit in
 *   PROJECT_TIMEOUT_MARGIN, which the project's serviceTimeout adds to its timeout.
 * - The function's own bound on any wait (lambda/continuation.ts MAX_WAIT_MS, an hour) is a
 *   backstop only: longer than any project timeout.
 */

/** The Lambda timeout of the provider's function: one CodeStar call plus its retries fit well inside. */
export const HANDLER_TIMEOUT = Duration.minutes(2);

/** The longest interval between two DescribeProject checks while a project is being created or deleted. */
export const QUERY_INTERVAL = Duration.seconds(POLL_INTERVAL_MAX_SECONDS);

/** How long a project waits for CodeStar unless its `timeout` says otherwise. */
export const DEFAULT_PROJECT_TIMEOUT = Duration.seconds(DEFAULT_PROJECT_TIMEOUT_SECONDS);

/** The shortest project `timeout`: CodeStar takes minutes to create a project's toolchain stack. */
export const MIN_PROJECT_TIMEOUT = Duration.minutes(1);

/**
 * After a project's timeout: its rounding up to a whole minute (lambda/project.ts waitDeadlineFrom),
 * the poll that notices it (QUERY_INTERVAL), that invocation (HANDLER_TIMEOUT), slack.
 */
export const PROJECT_TIMEOUT_MARGIN = Duration.minutes(5);

/** The longest project `timeout`: its serviceTimeout may not exceed CloudFormation's maximum of one hour. */
export const MAX_PROJECT_TIMEOUT = Duration.seconds(3600 - PROJECT_TIMEOUT_MARGIN.toSeconds());

/** The serviceTimeout of a project with the given `timeout`. */
export function projectServiceTimeout(timeout: Duration): Duration {
  return Duration.seconds(timeout.toSeconds() + PROJECT_TIMEOUT_MARGIN.toSeconds());
}

/** `serviceTimeout` of a project with the default timeout. */
export const PROJECT_SERVICE_TIMEOUT = projectServiceTimeout(DEFAULT_PROJECT_TIMEOUT);

/**
 * `serviceTimeout` of a team member or user profile: one synchronous call, so a broken handler fails
 * the stack after this instead of after CloudFormation's default hour. Longer than the handler's
 * timeout so a slow but working call still answers in time.
 */
export const MEMBER_SERVICE_TIMEOUT = Duration.minutes(10);
