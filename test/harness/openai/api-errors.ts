/** OpenAI-shaped errors (`{error:{message,type,param,code}}`) and the messages the real API uses for them. */
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { Fault } from './types.ts';
import { pointerToParam } from './validate.ts';

/** The spec's `ErrorResponse`. */
export interface ErrorResponseBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A failure a handler throws; the router turns it into an error response. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: ErrorResponseBody;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    error: { message: string; type?: string; param?: string | null; code?: string | null },
    headers: Record<string, string> = {},
  ) {
    super(error.message);
    this.status = status;
    this.headers = headers;
    this.body = {
      error: {
        message: error.message,
        type: error.type ?? 'invalid_request_error',
        param: error.param ?? null,
        code: error.code ?? null,
      },
    };
  }
}

/** 400 for a request argument the fake (or the API) rejects. */
export function invalidRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, { message, param, code });
}

/** 401 as the API sends it for a missing or wrong bearer key. */
export function authenticationError(presentedKey: string | undefined): ApiError {
  if (!presentedKey) {
    return new ApiError(401, {
      message:
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer " +
        'auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from ' +
        'https://platform.openai.com/account/api-keys.',
    });
  }
  const redacted = presentedKey.length > 8 ? `${presentedKey.slice(0, 3)}***${presentedKey.slice(-4)}` : '***';
  return new ApiError(401, {
    message:
      `Incorrect API key provided: ${redacted}. ` +
      'You can find your API key at https://platform.openai.com/account/api-keys.',
    code: 'invalid_api_key',
  });
}

/**
 * 404 for a model that does not exist (or was shut down). Body as captured from the API in
 * abi/screenshot-to-code#459 and rd-1-2022/ai-openai-helloworld#9:
 * `{"error":{"message":"The model `gpt-4o-2024-11-20` does not exist or you do not have access to it.",
 * "type":"invalid_request_error","param":null,"code":"model_not_found"}}`.
 */
export function modelNotFound(model: string): ApiError {
  return new ApiError(404, {
    message: `The model \`${model}\` does not exist or you do not have access to it.`,
    code: 'model_not_found',
  });
}

/** 404 for a path the fake does not serve. */
export function invalidUrl(method: string, path: string): ApiError {
  return new ApiError(404, { message: `Invalid URL (${method} ${path})` });
}

/** 400 for a body that is not JSON. */
export function unparsableJson(): ApiError {
  return invalidRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP " +
      'library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)',
  );
}

const DEFAULT_STATUS_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Bad request (injected by the fake).', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { message: 'You are not allowed to use this model.', type: 'invalid_request_error', code: null },
  404: { message: 'Not found (injected by the fake).', type: 'invalid_request_error', code: null },
  409: { message: 'Conflict (injected by the fake).', type: 'invalid_request_error', code: null },
  429: {
    message: 'Rate limit reached for requests. Please try again in 20ms.',
    type: 'requests',
    code: 'rate_limit_exceeded',
  },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
  503: { message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
};

/** The error a `status` fault produces: its own fields, else what the API typically says for that status. */
export function faultError(fault: Extract<Fault, { kind: 'status' }>): ApiError {
  const defaults = DEFAULT_STATUS_ERRORS[fault.status] ??
    DEFAULT_STATUS_ERRORS[fault.status >= 500 ? 500 : 400] ?? { message: '', type: '', code: null };
  return new ApiError(
    fault.status,
    {
      message: fault.message ?? defaults.message,
      type: fault.type ?? defaults.type,
      param: fault.param ?? null,
      code: fault.code ?? defaults.code,
    },
    fault.headers,
  );
}

/**
 * The 400 for a schema violation, worded like the API. Unions (anyOf/oneOf) report every branch's failure, so the
 * error is attributed to the outermost union that contains the most specific failure.
 */
export function schemaViolation(errors: ErrorObject[]): ApiError {
  const specific = [...errors]
    .filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf')
    .sort((a, b) => depth(b.instancePath) - depth(a.instancePath))[0];
  if (!specific) return invalidRequest('Invalid request body.');
  const union = errors
    .filter((e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && isWithin(specific.instancePath, e.instancePath))
    .sort((a, b) => depth(a.instancePath) - depth(b.instancePath))[0];
  const params = specific.params as Record<string, unknown>;
  if (!union && specific.keyword === 'required') {
    const param = joinParam(pointerToParam(specific.instancePath), String(params['missingProperty']));
    return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  if (!union && specific.keyword === 'additionalProperties') {
    const param = joinParam(pointerToParam(specific.instancePath), String(params['additionalProperty']));
    return invalidRequest(`Unrecognized request argument supplied: ${param}`, param, 'unknown_parameter');
  }
  const at = union ?? specific;
  const param = pointerToParam(at.instancePath) || null;
  const code = !union && specific.keyword === 'type' ? 'invalid_type' : 'invalid_value';
  const reason = union ? 'does not match any of the allowed shapes' : (specific.message ?? 'is invalid');
  return invalidRequest(`Invalid value for '${param ?? 'body'}': ${reason}.`, param, code);
}

function depth(pointer: string): number {
  return pointer === '' ? 0 : pointer.split('/').length;
}

function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}

function joinParam(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}
