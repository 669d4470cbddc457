import type { OpenAPIObject, SchemaObject } from '@nestjs/swagger';
import Ajv, { type ErrorObject } from 'ajv';
import { dereferenced, operationOf, type RouteKey } from '@hub/http';

type WithContent = { content: Record<string, { schema: unknown }> };

/** Checks of real HTTP traffic against a service's OpenAPI 3 document (`/docs-json`). */
export interface OpenApiChecks {
  /**
   * Validation errors of a real response `body` against the schema documented for `route` and `status`
   * (JSON Schema, ajv), or null when it conforms.
   * @throws if the route, status or media type is not documented
   */
  mismatch(route: RouteKey, status: number, body: unknown, type?: string): ErrorObject[] | null;
  /**
   * The documented request body schema of `route` (references resolved).
   * @throws if the route has no request body of that media type
   */
  requestSchema(route: RouteKey, type?: string): SchemaObject;
}

/**
 * {@link OpenApiChecks} over the document returned by `doc()` — a function, so specs can build the checks
 * before `beforeAll` has fetched the document.
 */
export function openApiChecks(doc: () => OpenAPIObject): OpenApiChecks {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  return {
    mismatch(route, status, body, type = 'application/json') {
      const response = operationOf(doc(), route).responses[status] as WithContent | undefined;
      const media = response?.content?.[type];
      if (!media) throw new Error(`OpenAPI: ${route} documents no ${status} ${type} response`);
      const validate = ajv.compile(dereferenced(doc(), media.schema));
      return validate(body) ? null : (validate.errors ?? []);
    },
    requestSchema(route, type = 'application/json') {
      const body = operationOf(doc(), route).requestBody as WithContent | undefined;
      const media = body?.content?.[type];
      if (!media) throw new Error(`OpenAPI: ${route} documents no ${type} request body`);
      return dereferenced(doc(), media.schema);
    },
  };
}

/**
 * GET `<baseUrl>/docs-json`.
 * @throws if it does not answer 200
 */
export async function fetchOpenApiDocument(baseUrl: string): Promise<OpenAPIObject> {
  const res = await fetch(`${baseUrl}/docs-json`);
  if (res.status !== 200) throw new Error(`GET ${baseUrl}/docs-json answered ${res.status}`);
  return (await res.json()) as OpenAPIObject;
}
