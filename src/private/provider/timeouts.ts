import { Duration } from 'aws-cdk-lib';
import { DEFAULT_PROJECT_TIMEOUT_SECONDS } from '../contract';

/*
 * Timeouts. Each one fails with its own clear reason before the next one could fail with a vaguer
 * one (test/security/bounded-failure.test.ts proves the chain):
 *
 * - The handler's deadline, in each invocation: the Lambda's remaining time minus a margin
 *   (lambda/retry.ts computeDeadline). Every service call and retry is cut there: "<Operation> did
 *   not succeed before the handler's deadline (...)". It comes before HANDLER_TIMEOUT, the Lambda
 *   timeout, which comes before MEMBER_SERVICE_TIMEOUT, the serviceTimeout of a team member or user
 *   profile (one invocation each).
 * - A project's `timeout` (default DEFAULT_PROJECT_TIMEOUT): how long isComplete waits for CodeStar,
 *   counted from onEvent: "Project <id> is still <state> after its timeout of <n> seconds". The poll
 *   that notices it (QUERY_INTERVAL) and that invocation (HANDLER_TIMEOUT) fit in
 *   PROJECT_TIMEOUT_MARGIN, which the project's serviceTimeout adds to its timeout.
 * - TOTAL_TIMEOUT, the waiter's (one per stack), is a backstop only: longer than any project timeout.
 */

/** The Lambda timeout of both handler functions: one CodeStar call plus its retries fit well inside. */
export const HANDLER_TIMEOUT = Duration.minutes(2);

/** How often `isComplete` polls DescribeProject while a project is being created or deleted. */
export const QUERY_INTERVAL = Duration.seconds(15);

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

/**
 * How long the provider's waiter polls at most: the Provider framework's maximum, longer than any
 * project's timeout, so the handler's own reason always comes first.
 */
export const TOTAL_TIMEOUT = Duration.hours(1);

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
