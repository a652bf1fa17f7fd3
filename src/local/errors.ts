import { CodeStarModel } from './model';

/**
 * Errors every AWS JSON service can answer although no operation models them: the SDK raises them
 * by name as `CodeStarServiceException`s.
 */
export const COMMON_ERRORS: Readonly<Record<string, number>> = {
  ThrottlingException: 400,
  InternalFailure: 500,
  ServiceUnavailable: 503,
  UnknownOperationException: 400,
  SerializationException: 400,
  AccessDeniedException: 400,
};

/** An error answered the AWS way: status, `x-amzn-errortype` and `{"__type", "message"}`. */
export class ServiceError extends Error {
  constructor(public readonly errorName: string, message: string) {
    super(message);
    this.name = errorName;
  }
}

/** HTTP status for an error name: the model's `httpStatus`, else the common table, else 400. */
export function errorStatus(model: CodeStarModel, name: string): number {
  return model.errors[name]?.httpStatus ?? COMMON_ERRORS[name] ?? 400;
}

export const notFound = (id: string) => new ServiceError('ProjectNotFoundException', `Project ${id} not found.`);
