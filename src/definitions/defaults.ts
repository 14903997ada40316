/**
 * @module definitions/defaults
 * Every default of an endpoint definition, in one place (documented in the README).
 */
import type { EndpointDefinition, PromptDefinition } from './types';

export const DEFAULT_MODEL = { provider: 'default', name: 'gpt-4o-mini' } as const;

export const DEFAULT_RETRY = {
  maxAttempts: 3,
  initialDelayMs: 250,
  maxDelayMs: 8000,
  attemptTimeoutMs: 30_000,
  deadlineMs: 60_000,
} as const;

export const DEFAULT_REPAIR = { maxAttempts: 1, coerce: true } as const;

/** Raw definition after the structural check: required fields present, types right. */
export type RawDefinition = Partial<Omit<EndpointDefinition, 'model' | 'retry' | 'repair'>> & {
  name: string;
  input: Record<string, unknown>;
  prompt: PromptDefinition;
  model?: Partial<EndpointDefinition['model']>;
  retry?: Partial<EndpointDefinition['retry']>;
  repair?: Partial<EndpointDefinition['repair']>;
  publish?: boolean;
};

/** Fills in every default; the result is what gets stored as a version. */
export function applyDefaults(raw: RawDefinition): EndpointDefinition {
  const model = raw.model ?? {};
  const definition: EndpointDefinition = {
    name: raw.name,
    tags: raw.tags ?? [],
    input: raw.input,
    prompt: raw.prompt,
    model: {
      provider: model.provider ?? DEFAULT_MODEL.provider,
      name: model.name ?? DEFAULT_MODEL.name,
      fallbacks: (model.fallbacks ?? []).map((f) => ({
        provider: f.provider ?? DEFAULT_MODEL.provider,
        name: f.name,
      })),
    },
    retry: { ...DEFAULT_RETRY, ...raw.retry },
    repair: { ...DEFAULT_REPAIR, ...raw.repair },
    cache: { ttlSeconds: raw.cache?.ttlSeconds ?? 0 },
    auth: raw.auth ?? 'key',
    examples: raw.examples ?? [],
  };
  if (raw.title !== undefined) definition.title = raw.title;
  if (raw.description !== undefined) definition.description = raw.description;
  if (raw.output !== undefined) definition.output = raw.output;
  if (model.temperature !== undefined) definition.model.temperature = model.temperature;
  if (model.maxTokens !== undefined) definition.model.maxTokens = model.maxTokens;
  return definition;
}
