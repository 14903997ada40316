/**
 * @module invocation/interpret-output
 * Turns a completion into the endpoint's answer: parse, coerce, validate (API.md section 6).
 */
import type { CompiledEndpoint } from '../definitions/compile';
import type { FieldError } from '../errors/app-error';
import { removeStrictNulls } from '../providers/strict-schema';
import type { Completion } from '../providers/types';
import { coerceToSchema } from '../validation/coerce';
import { extractJson } from '../validation/parse-output';
import { exceedsDepth, toFieldErrors } from '../validation/schema-errors';

/** Deepest model output accepted, as for inputs. */
const MAX_OUTPUT_DEPTH = 64;

export type Interpretation =
  | { ok: true; output: unknown }
  | {
      ok: false;
      errors: FieldError[];
      /** False for cut-off replies and refusals: no repair is attempted. */
      repairable: boolean;
      reason: string;
    };

export function interpretCompletion(
  endpoint: CompiledEndpoint,
  completion: Completion,
  options: { strictNulls?: boolean } = {},
): Interpretation {
  const validate = endpoint.validateOutput;
  if (!validate) {
    // Without an output schema the text goes back as it is; a refusal is shown, not hidden.
    const output = completion.refusal
      ? { text: completion.content, refusal: completion.refusal }
      : { text: completion.content };
    return { ok: true, output };
  }

  if (completion.refusal) {
    return failure('the model refused to answer', [{ path: '', message: 'the model refused' }]);
  }
  if (completion.finishReason === 'length') {
    const message = 'was cut off by the token limit (finish_reason "length")';
    return failure('the reply was cut off by the token limit', [{ path: '', message }]);
  }

  const parsed = extractJson(completion.content);
  if (!parsed.ok) {
    const errors = [{ path: '', message: `is not JSON: ${parsed.reason}` }];
    return { ok: false, errors, repairable: true, reason: 'the reply is not JSON' };
  }

  if (exceedsDepth(parsed.value, MAX_OUTPUT_DEPTH)) {
    const errors = [{ path: '', message: `nests deeper than ${MAX_OUTPUT_DEPTH} levels` }];
    return { ok: false, errors, repairable: true, reason: 'the reply nests too deep' };
  }

  const { definition } = endpoint;
  const output = definition.output ?? true;
  // Strict mode sent optional properties as nullable; their nulls mean "absent".
  const answer = options.strictNulls ? removeStrictNulls(parsed.value, output) : parsed.value;
  const value = definition.repair.coerce ? coerceToSchema(answer, output) : answer;
  if (validate(value)) return { ok: true, output: value };

  const errors = toFieldErrors(validate.errors);
  return {
    ok: false,
    errors,
    repairable: true,
    reason: 'the reply does not match the output schema',
  };
}

function failure(reason: string, errors: FieldError[]): Interpretation {
  return { ok: false, errors, repairable: false, reason };
}

/** The message that sends validation errors back to the model. */
export function repairRequest(errors: FieldError[]): string {
  const list = errors.map((e) => `- ${e.path || '(root)'}: ${e.message}`).join('\n');
  return (
    'Your previous answer was not valid:\n' +
    `${list}\n` +
    'Answer again with the corrected JSON value only.'
  );
}
