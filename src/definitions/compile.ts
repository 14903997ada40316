/**
 * @module definitions/compile
 * Turns a stored version into what serves requests: validators and templates compiled once
 * per version, never per request.
 */
import type { ValidateFunction } from 'ajv';
import { AppError } from '../errors/app-error';
import { compileTemplate, RenderLimitError } from '../rendering/template-engine';
import { toStrictSchema } from '../providers/strict-schema';
import type { ChatMessage } from '../providers/types';
import { compileSchema } from '../validation/ajv';
import type { EndpointDefinition, EndpointVersion, JsonSchema } from './types';

export interface CompiledEndpoint {
  name: string;
  version: number;
  definition: EndpointDefinition;
  validateInput: ValidateFunction;
  /** Present when the definition has an output schema. */
  validateOutput?: ValidateFunction;
  /** The output schema in strict structured-output form, or null when it has none. */
  strictOutput: Record<string, unknown> | null;
  /** Renders the prompt over a validated input, JSON instruction included. */
  render(input: unknown): ChatMessage[];
}

export function compileEndpoint(stored: EndpointVersion): CompiledEndpoint {
  const { definition } = stored;
  const validateInput = mustCompile(definition.input, 'input', stored);
  const validateOutput =
    definition.output === undefined ? undefined : mustCompile(definition.output, 'output', stored);

  const templates = messageTemplates(definition).map((m) => ({
    role: m.role,
    render: compileTemplate(m.content),
  }));
  const instruction =
    definition.output === undefined ? undefined : jsonInstruction(definition.output);

  return {
    name: stored.name,
    version: stored.version,
    definition,
    validateInput,
    validateOutput,
    strictOutput: definition.output === undefined ? null : toStrictSchema(definition.output),
    render(input) {
      const messages = templates.map((t) => ({ role: t.role, content: renderOrRefuse(t, input) }));
      return instruction ? withInstruction(messages, instruction) : messages;
    },
  };
}

function renderOrRefuse(template: { render: (input: unknown) => string }, input: unknown) {
  try {
    return template.render(input);
  } catch (error) {
    if (!(error instanceof RenderLimitError)) throw error;
    throw new AppError(
      'input_invalid',
      `The input is too large for this prompt: ${error.message}.`,
      {
        errors: [{ path: '', message: error.message }],
      },
    );
  }
}

function messageTemplates(definition: EndpointDefinition): ChatMessage[] {
  const { prompt } = definition;
  if (prompt.messages) return prompt.messages;
  const messages: ChatMessage[] = [];
  if (prompt.system !== undefined) messages.push({ role: 'system', content: prompt.system });
  messages.push({ role: 'user', content: prompt.user });
  return messages;
}

/** The one instruction added when an output schema is set; the test route shows it. */
export function jsonInstruction(schema: JsonSchema): string {
  return (
    'Answer with one JSON value only, no prose and no code fence. ' +
    `It must validate against this JSON Schema: ${JSON.stringify(schema)}`
  );
}

function withInstruction(messages: ChatMessage[], instruction: string): ChatMessage[] {
  const [first, ...rest] = messages;
  if (first?.role === 'system') {
    return [{ role: 'system', content: `${first.content}\n\n${instruction}` }, ...rest];
  }
  return [{ role: 'system', content: instruction }, ...messages];
}

function mustCompile(schema: JsonSchema, which: string, stored: EndpointVersion) {
  const result = compileSchema(schema);
  // Definitions are checked when saved, so this only fires on data written by other means.
  if (!result.ok) {
    throw new Error(`${stored.name} v${stored.version}: ${which} schema: ${result.message}`);
  }
  return result.validate;
}
