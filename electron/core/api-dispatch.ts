// Validates one call against the contract and runs its handler. Both transports (IPC, HTTP) go through here,
// so an argument that the contract does not allow never reaches a handler.
import { apiArgs, type ApiCallName, type ApiErrorBody, type ApiHandlers } from '../../shared/api';
import { ApiError } from '../../shared/api-error';

function isApiCallName(name: string): name is ApiCallName {
  return Object.prototype.hasOwnProperty.call(apiArgs, name);
}

export async function dispatch(handlers: ApiHandlers, name: string, rawArg: unknown): Promise<unknown> {
  if (!isApiCallName(name)) throw new ApiError('not-found', `unknown call: ${name}`);
  const parsed = apiArgs[name].safeParse(rawArg ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(argument)'}: ${i.message}`).join('; ');
    throw new ApiError('bad-request', `${name}: ${issues}`);
  }
  const handler = handlers[name] as (arg: unknown) => unknown;
  return await handler(parsed.data);
}

export function toErrorBody(err: unknown): { status: number; body: ApiErrorBody } {
  if (err instanceof ApiError) {
    const status = { 'bad-request': 400, 'not-found': 404, forbidden: 403, internal: 500, unavailable: 503 }[err.code];
    return { status, body: { error: { code: err.code, message: err.message } } };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { error: { code: 'internal', message } } };
}
