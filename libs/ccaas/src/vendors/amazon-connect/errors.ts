import { TargetError } from '../../core/target';

/** Connect / Participant Service / STS error names (the `x-amzn-errortype` of restJson1, the STS `Code`). */
const THROTTLED = new Set([
  'TooManyRequestsException',
  'LimitExceededException',
  'ThrottlingException',
  'Throttling',
]);
const AUTH = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
]);
const INVALID = new Set([
  'InvalidParameterException',
  'InvalidRequestException',
  'ResourceNotFoundException',
  'ValidationException',
  'DestinationNotAllowedException',
  'OutboundContactNotPermittedException',
  'ConflictException',
  'ContactNotFoundException',
  'ContactFlowNotPublishedException',
]);

/** Which request field a Connect parameter/resource error is about, from its message (redacted of values). */
function fieldOf(message: string, hint?: string): string | undefined {
  const m = message.toLowerCase();
  if (/contact ?flow/.test(m)) return 'config.defaultContactFlowId';
  if (/instance/.test(m)) return 'config.instanceId';
  if (/queue/.test(m)) return 'config.queueMappings';
  if (/phone|destination/.test(m)) return 'contact.phone';
  if (/attribute/.test(m)) return 'attributes';
  return hint;
}

/**
 * Maps an AWS SDK v3 error (service exception with `name` = the error type, `$metadata.httpStatusCode`,
 * or a network error) to a {@link TargetError}: throttling → `throttled`; 5xx / connection refused /
 * timeout → `unavailable`; 401/403-type errors → `auth`; bad parameter / unknown resource → `invalid`
 * with `field` naming the config field or parameter. The message carries the AWS error type and
 * message only (no credentials, no request).
 * @param operation the AWS operation name, for the message
 * @param fieldHint the field to name when the error message does not tell
 */
export function toTargetError(e: unknown, operation: string, fieldHint?: string): TargetError {
  if (e instanceof TargetError) return e;
  const err = e as {
    name?: string;
    message?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = err?.name ?? 'Error';
  const status = err?.$metadata?.httpStatusCode;
  const message = `${operation}: ${name}${err?.message ? `: ${String(err.message).slice(0, 300)}` : ''}`;
  if (THROTTLED.has(name) || status === 429) return new TargetError('throttled', message, undefined, name);
  if (AUTH.has(name) || status === 401 || status === 403)
    return new TargetError('auth', message, 'secrets', name);
  if (INVALID.has(name) || (status !== undefined && status >= 400 && status < 500)) {
    return new TargetError('invalid', message, fieldOf(String(err?.message ?? ''), fieldHint), name);
  }
  // 5xx, InternalServiceException, ServiceQuotaExceeded… and network errors (ECONNREFUSED, timeouts).
  return new TargetError('unavailable', message, undefined, name);
}
