/**
 * @module invocation/invoke-endpoint
 * One call of a generated endpoint after its input was validated: render the prompt, call
 * the model with retries and fallbacks, interpret the output, repair it when allowed.
 */
import type { CompiledEndpoint } from '../definitions/compile';
import { AppError } from '../errors/app-error';
import type { ProviderRegistry } from '../providers/registry';
import type { CircuitBreakers } from '../resilience/circuit-breakers';
import type { AttemptRecord, ChatMessage, ChatRequest, TokenUsage } from '../providers/types';
import { callModel, type CallModelOptions } from '../resilience/call-model';
import type { ResilienceEvent } from '../resilience/events';
import { interpretCompletion, repairRequest } from './interpret-output';

export interface InvokeOptions {
  endpoint: CompiledEndpoint;
  input: unknown;
  registry: ProviderRegistry;
  /** Per-provider circuits; open ones are skipped. */
  circuits?: CircuitBreakers;
  /** Aborted when the client goes away; cancels the upstream call. */
  signal?: AbortSignal;
  /** Filled with one record per provider request, also when the call fails. */
  attempts: AttemptRecord[];
  onEvent?: (event: ResilienceEvent) => void;
  /** Sends the first call's requests (a stream, say); repairs always use `sendChat`. */
  send?: CallModelOptions['send'];
}

export interface InvocationResult {
  output: unknown;
  /** The messages first sent, as rendered. */
  messages: ChatMessage[];
  usage: TokenUsage;
  /** `<provider>/<model>` of the candidate that answered. */
  model: string;
  finishReason: string;
}

export async function invokeEndpoint(options: InvokeOptions): Promise<InvocationResult> {
  const { endpoint, registry, attempts } = options;
  const { definition } = endpoint;
  const messages = endpoint.render(options.input);
  const deadlineAt = Date.now() + definition.retry.deadlineMs;
  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };

  const request: Omit<ChatRequest, 'model'> = {
    messages,
    temperature: definition.model.temperature,
    maxTokens: definition.model.maxTokens,
    responseSchema:
      definition.output === undefined
        ? undefined
        : {
            name: schemaName(definition.name),
            schema: definition.output,
            strictSchema: endpoint.strictOutput,
          },
  };
  const healthy = (provider: string) =>
    !options.circuits || options.circuits.msUntilTrial(provider) === 0;
  let candidates = registry.expand([definition.model, ...definition.model.fallbacks], healthy);
  let conversation = messages;

  for (let repairs = 0; ; repairs++) {
    const purpose = repairs === 0 ? 'call' : 'repair';
    const answer = await callModel({
      registry,
      circuits: options.circuits,
      candidates,
      request: { ...request, messages: conversation },
      retry: definition.retry,
      deadlineAt,
      signal: options.signal,
      attempts,
      purpose,
      onEvent: options.onEvent,
      send: repairs === 0 ? options.send : undefined,
    });
    usage.inputTokens += answer.completion.usage.inputTokens;
    usage.outputTokens += answer.completion.usage.outputTokens;

    const strict = endpoint.strictOutput !== null && usesJsonSchema(registry, answer.provider);
    const result = interpretCompletion(endpoint, answer.completion, { strictNulls: strict });
    if (result.ok) {
      return {
        output: result.output,
        messages,
        usage,
        model: `${answer.provider}/${answer.model}`,
        finishReason: answer.completion.finishReason,
      };
    }

    if (!result.repairable || repairs >= definition.repair.maxAttempts) {
      throw new AppError('output_invalid', outputInvalidDetail(result.reason, repairs), {
        errors: result.errors,
        extensions: { model: `${answer.provider}/${answer.model}` },
      });
    }

    // Repairs go to the candidate that answered: it has seen the conversation.
    candidates = [{ provider: answer.provider, name: answer.model }];
    conversation = [
      ...conversation,
      { role: 'assistant', content: answer.completion.content },
      { role: 'user', content: repairRequest(result.errors) },
    ];
  }
}

function outputInvalidDetail(reason: string, repairs: number): string {
  const after = repairs === 0 ? '' : ` after ${repairs} repair attempt${repairs > 1 ? 's' : ''}`;
  return `The model's output is invalid${after}: ${reason}.`;
}

/** Response-format names allow letters, digits, `_` and `-`, at most 64 characters. */
function schemaName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64);
}

/** Whether the answering provider got the output schema as a (strict) response format. */
function usesJsonSchema(registry: ProviderRegistry, provider: string): boolean {
  return registry.get(provider)?.config.supportsJsonSchema === true;
}
