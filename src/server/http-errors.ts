import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode, httpStatusOf, invalidEnum } from '../domain/errors.js';

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details: Record<string, unknown> };
}

export function envelope(error: AppError): ErrorEnvelope {
  return { error: { code: error.code, message: error.message, details: error.details } };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** Present because the validator runs with `verbose`: the offending value. */
  data?: unknown;
}

/** Turns a JSON-schema failure into the same clear message a service would give: field, problem, valid values. */
function fromValidation(
  error: FastifyError & { validation: AjvError[]; validationContext?: string },
): AppError {
  const first = error.validation[0];
  if (!first) return new AppError('invalid_input', error.message);
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const where =
    error.validationContext === 'body' || !error.validationContext ? '' : `${error.validationContext} `;
  switch (first.keyword) {
    case 'required': {
      const field = String(first.params.missingProperty);
      return new AppError('invalid_input', `missing required field: ${field}`, { field, missing: [field] });
    }
    case 'additionalProperties': {
      const field = String(first.params.additionalProperty);
      return new AppError('invalid_input', `unknown field ${where}${field}`, { field });
    }
    case 'enum':
      return invalidEnum(path, first.data, (first.params.allowedValues as string[]) ?? []);
    default:
      return new AppError('invalid_input', `${where}${path || 'body'}: ${first.message ?? 'is invalid'}`, {
        field: path || undefined,
      });
  }
}

/** Unwraps schema failures nested in anyOf (nullable enums) to the most specific one. */
function pickEnum(errors: AjvError[]): AjvError[] {
  // A nullable field fails both branches of its anyOf; "must be null" is never the helpful half.
  const helpful = errors.filter(
    (e) => e.keyword !== 'anyOf' && !(e.keyword === 'type' && e.params.type === 'null'),
  );
  const best = helpful.find((e) => e.keyword === 'enum') ?? helpful[0];
  return best ? [best, ...errors.filter((e) => e !== best)] : errors;
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string };
  if (fe?.validation) return fromValidation({ ...fe, validation: pickEnum(fe.validation) } as never);
  if (fe?.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new AppError('payload_too_large', 'request body is too large', {});
  if (fe?.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AppError('invalid_input', `unsupported content type; send application/json`, {});
  }
  if (
    fe?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    fe?.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    fe instanceof SyntaxError
  ) {
    return new AppError('invalid_input', `request body is not valid JSON: ${fe.message}`, {});
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new AppError('invalid_input', fe.message, {});
  }
  return new AppError('internal', 'internal error; see the server log', {});
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: unknown): FastifyReply {
  const appError = toAppError(error);
  if (appError.code === 'internal') request.log.error({ err: error }, 'request failed');
  return reply.status(httpStatusOf(appError.code)).type('application/json').send(envelope(appError));
}
