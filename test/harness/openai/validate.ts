/**
 * Validation of request and response bodies against the OpenAI schemas extracted into `schemas.json`
 * (regenerate with `npx node scripts/extract-openai-schemas.ts`).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SCHEMA_DOCUMENT_ID = 'openai-schemas.json';
const SCHEMA_POINTER_PREFIX = '#/components/schemas/';

/**
 * Rewrites the OpenAPI 3.0 `nullable` keyword (which the spec still uses in places) into plain JSON Schema, because
 * Ajv only understands `nullable` next to a `type` and ignores the `null` it should add to an `enum`.
 */
export function rewriteNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (node === null || typeof node !== 'object') return node;
  const rewritten: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    // A property *named* "nullable" holds a schema object, never a boolean, so it is left alone.
    if (key === 'nullable' && typeof value === 'boolean') continue;
    rewritten[key] = rewriteNullable(value);
  }
  if (node['nullable'] !== true) return rewritten;
  const type = rewritten['type'];
  if (typeof type === 'string') {
    rewritten['type'] = [type, 'null'];
    const allowed = rewritten['enum'];
    if (Array.isArray(allowed) && !allowed.includes(null)) rewritten['enum'] = [...allowed, null];
    return rewritten;
  }
  // Without a sibling `type` (e.g. `$ref` or `oneOf` plus nullable), null becomes an explicit alternative.
  return { anyOf: [{ type: 'null' }, rewritten] };
}

function loadSchemaDocument(): JsonObject {
  const text = readFileSync(new URL('./schemas.json', import.meta.url), 'utf8');
  return rewriteNullable(JSON.parse(text) as Json) as JsonObject;
}

function createAjv(coerceTypes: boolean): Ajv2020 {
  // strict:false because the spec carries OpenAPI-only keywords (discriminator, x-*, example, format:binary).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, coerceTypes });
  ajv.addSchema(schemaDocument, SCHEMA_DOCUMENT_ID);
  return ajv;
}

const schemaDocument = loadSchemaDocument();
const ajvByCoercion = new Map<boolean, Ajv2020>();
const compiled = new Map<string, ValidateFunction>();

/** Names of every schema available to {@link validateAgainst}. */
export function schemaNames(): string[] {
  const components = schemaDocument['components'] as { schemas: JsonObject };
  return Object.keys(components.schemas);
}

function validatorFor(schemaName: string, coerceTypes: boolean): ValidateFunction {
  const cacheKey = `${coerceTypes}:${schemaName}`;
  const cached = compiled.get(cacheKey);
  if (cached) return cached;
  if (!schemaNames().includes(schemaName)) {
    throw new Error(`Unknown schema ${schemaName}; add it to scripts/extract-openai-schemas.ts and re-run it`);
  }
  let ajv = ajvByCoercion.get(coerceTypes);
  if (!ajv) {
    ajv = createAjv(coerceTypes);
    ajvByCoercion.set(coerceTypes, ajv);
  }
  const validate = ajv.getSchema(`${SCHEMA_DOCUMENT_ID}${SCHEMA_POINTER_PREFIX}${schemaName}`);
  if (!validate) throw new Error(`Ajv could not compile schema ${schemaName}`);
  compiled.set(cacheKey, validate);
  return validate;
}

/** Ajv's JSON pointer `/messages/0/audio` as the API spells parameters: `messages[0].audio`. */
export function pointerToParam(instancePath: string): string {
  let param = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    param += /^\d+$/.test(segment) ? `[${segment}]` : param === '' ? segment : `.${segment}`;
  }
  return param;
}

function describeError(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `${where} must NOT have additional property '${String(params['additionalProperty'])}'`;
  }
  if (error.keyword === 'enum') {
    return `${where} ${error.message ?? 'is invalid'}: ${JSON.stringify(params['allowedValues'])}`;
  }
  return `${where} ${error.message ?? 'is invalid'}`;
}

/** Structured validation result, for callers that need more than the messages (e.g. to build an API error). */
export interface SchemaValidation {
  /** Human-readable messages, each starting with the JSON pointer of the offending value. */
  messages: string[];
  /** Ajv's raw errors, in Ajv's order. */
  errors: ErrorObject[];
}

/**
 * Validates `value` and returns structured errors. With `coerceTypes` (for multipart form fields, which arrive as
 * strings) Ajv converts scalars in place, so pass a copy you do not mind being changed.
 */
export function validateDetailed(
  schemaName: string,
  value: unknown,
  options: { coerceTypes?: boolean } = {},
): SchemaValidation {
  const validate = validatorFor(schemaName, options.coerceTypes ?? false);
  if (validate(value)) return { messages: [], errors: [] };
  const errors = validate.errors ?? [];
  return { messages: [...new Set(errors.map(describeError))], errors };
}

/**
 * Validates `value` against the named OpenAI schema (e.g. `'CreateSpeechRequest'`).
 * Returns an empty array when valid, otherwise one message per problem naming the JSON path, e.g.
 * `"/voice must be string"`.
 */
export function validateAgainst(schemaName: string, value: unknown): string[] {
  return validateDetailed(schemaName, value).messages;
}

/**
 * Top-level property names a schema allows, following `$ref` and `allOf`. The chat request is an `allOf`, which
 * JSON Schema cannot close with `additionalProperties: false`; the fake uses this list to reject unknown arguments
 * the way the real API does.
 */
export function topLevelPropertyNames(schemaName: string): Set<string> {
  const schemas = (schemaDocument['components'] as { schemas: JsonObject }).schemas;
  const names = new Set<string>();
  const visit = (node: Json | undefined): void => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const ref = node['$ref'];
    if (typeof ref === 'string' && ref.startsWith(SCHEMA_POINTER_PREFIX)) {
      visit(schemas[ref.slice(SCHEMA_POINTER_PREFIX.length)]);
    }
    const properties = node['properties'];
    if (properties && typeof properties === 'object' && !Array.isArray(properties)) {
      for (const name of Object.keys(properties)) names.add(name);
    }
    const allOf = node['allOf'];
    if (Array.isArray(allOf)) for (const part of allOf) visit(part);
  };
  visit(schemas[schemaName]);
  return names;
}
