/**
 * @module definitions/validate-definition
 * Checks a definition when it is saved: structure, name, schemas that compile, templates that
 * parse and reference only declared input properties, and examples that fit the schemas.
 * Every problem is listed in one 422 `definition_invalid`.
 */
import Ajv from 'ajv';
import { AppError, type FieldError } from '../errors/app-error';
import { checkTemplate } from '../rendering/template-check';
import { compileSchema } from '../validation/ajv';
import { exceedsDepth, toFieldErrors } from '../validation/schema-errors';
import { DEFINITION_SCHEMA, RESERVED_NAMES } from './definition-schema';
import { applyDefaults, type RawDefinition } from './defaults';
import type { EndpointDefinition } from './types';

const checkStructure = new Ajv({ allErrors: true, strict: false }).compile(DEFINITION_SCHEMA);

/** Deepest nesting a definition may have; deeper ones would break OpenAPI rendering. */
export const MAX_DEFINITION_DEPTH = 128;

/**
 * Returns the definition with defaults applied, or throws AppError `definition_invalid`.
 * `expectedName` is the name in the URL of a `PUT`, which the body may not change.
 */
export function validateDefinition(body: unknown, expectedName?: string): EndpointDefinition {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid([{ path: '', message: 'must be a JSON object' }]);
  }
  if (exceedsDepth(body, MAX_DEFINITION_DEPTH)) {
    throw invalid([{ path: '', message: `nests deeper than ${MAX_DEFINITION_DEPTH} levels` }]);
  }
  const candidate = expectedName && !('name' in body) ? { ...body, name: expectedName } : body;
  if (!checkStructure(candidate)) throw invalid(toFieldErrors(checkStructure.errors));

  const raw = candidate as RawDefinition;
  const errors = [...checkName(raw, expectedName), ...checkSemantics(raw)];
  if (errors.length > 0) throw invalid(errors);

  return applyDefaults(raw);
}

function checkName(raw: RawDefinition, expectedName?: string): FieldError[] {
  if (expectedName !== undefined && raw.name !== expectedName) {
    return [{ path: '/name', message: `must stay "${expectedName}": names are immutable` }];
  }
  if (RESERVED_NAMES.has(raw.name)) {
    return [{ path: '/name', message: `"${raw.name}" is reserved` }];
  }
  return [];
}

function checkSemantics(raw: RawDefinition): FieldError[] {
  const errors: FieldError[] = [];

  const input = compileSchema(raw.input);
  if (!input.ok) errors.push({ path: '/input', message: `does not compile: ${input.message}` });
  if (raw.input.type !== 'object') {
    errors.push({ path: '/input/type', message: 'must be "object": the input is a JSON object' });
  }
  const output = raw.output === undefined ? undefined : compileSchema(raw.output);
  if (output && !output.ok) {
    errors.push({ path: '/output', message: `does not compile: ${output.message}` });
  }

  errors.push(...checkPrompt(raw), ...checkRetry(raw));

  (raw.examples ?? []).forEach((example, i) => {
    if (input.ok && !input.validate(example.input)) {
      errors.push(...toFieldErrors(input.validate.errors, `/examples/${i}/input`));
    }
    if (output?.ok && example.output !== undefined && !output.validate(example.output)) {
      errors.push(...toFieldErrors(output.validate.errors, `/examples/${i}/output`));
    }
  });
  return errors;
}

function checkPrompt(raw: RawDefinition): FieldError[] {
  const { prompt, input } = raw;
  if (prompt.messages) {
    return prompt.messages.flatMap((m, i) =>
      checkTemplate(m.content, input, `/prompt/messages/${i}/content`),
    );
  }
  const errors = checkTemplate(prompt.user, input, '/prompt/user');
  if (prompt.system !== undefined)
    errors.push(...checkTemplate(prompt.system, input, '/prompt/system'));
  return errors;
}

function checkRetry(raw: RawDefinition): FieldError[] {
  const retry = raw.retry ?? {};
  const errors: FieldError[] = [];
  if (retry.initialDelayMs !== undefined && retry.maxDelayMs !== undefined) {
    if (retry.maxDelayMs < retry.initialDelayMs) {
      errors.push({ path: '/retry/maxDelayMs', message: 'must be at least initialDelayMs' });
    }
  }
  if (retry.attemptTimeoutMs !== undefined && retry.deadlineMs !== undefined) {
    if (retry.deadlineMs < retry.attemptTimeoutMs) {
      errors.push({ path: '/retry/deadlineMs', message: 'must be at least attemptTimeoutMs' });
    }
  }
  return errors;
}

function invalid(errors: FieldError[]): AppError {
  const count = errors.length === 1 ? '1 problem' : `${errors.length} problems`;
  return new AppError('definition_invalid', `The endpoint definition has ${count}.`, { errors });
}
