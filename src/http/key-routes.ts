/**
 * @module http/key-routes
 * `POST /admin/keys`, `GET /admin/keys`, `DELETE /admin/keys/{id}`: consumer keys, whose secret
 * is shown once, in the answer to its creation.
 */
import Ajv from 'ajv';
import { Router } from 'express';
import { NAME_PATTERN } from '../definitions/definition-schema';
import { AppError } from '../errors/app-error';
import { makeKey, type KeyChecker, type NewKeyRequest } from '../keys/consumer-keys';
import type { ConsumerKey, EndpointStore } from '../storage/store';
import { isRfc3339 } from '../validation/dates';
import { toFieldErrors } from '../validation/schema-errors';

export interface KeyRoutesOptions {
  store: EndpointStore;
  keys: KeyChecker;
}

const checkNewKey = new Ajv({ allErrors: true }).compile({
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    endpoints: {
      type: 'array',
      maxItems: 1000,
      uniqueItems: true,
      items: { type: 'string', pattern: NAME_PATTERN },
    },
    rateLimit: {
      type: 'object',
      required: ['requestsPerMinute'],
      properties: { requestsPerMinute: { type: 'integer', minimum: 1, maximum: 1_000_000 } },
      additionalProperties: false,
    },
    expiresAt: { type: 'string', maxLength: 64 },
  },
  additionalProperties: false,
});

export function keyRoutes(options: KeyRoutesOptions): Router {
  const router = Router();

  router.post('/keys', async (req, res) => {
    const request = newKeyRequest(req.body);
    const { key, secret } = makeKey(request);
    await options.store.createKey(key);
    res
      .status(201)
      .location(`/admin/keys/${key.id}`)
      .json({ ...keyView(key), key: secret });
  });

  router.get('/keys', async (_req, res) => {
    res.json({ items: (await options.store.listKeys()).map(keyView) });
  });

  router.delete('/keys/:id', async (req, res) => {
    if (!(await options.store.revokeKey(String(req.params.id)))) {
      throw new AppError('not_found', `No key has the id "${req.params.id}".`);
    }
    options.keys.forget();
    res.status(204).end();
  });

  return router;
}

function newKeyRequest(body: unknown): NewKeyRequest {
  if (!checkNewKey(body)) {
    throw new AppError('request_invalid', 'The key request is invalid.', {
      errors: toFieldErrors(checkNewKey.errors),
    });
  }
  const request = body as NewKeyRequest;
  if (request.expiresAt !== undefined && !isRfc3339(request.expiresAt)) {
    throw new AppError('request_invalid', 'expiresAt must be an RFC 3339 date-time.', {
      errors: [{ path: '/expiresAt', message: 'must be an RFC 3339 date-time with an offset' }],
    });
  }
  return request;
}

/** A key as the admin API shows it: never its secret nor its hash. */
function keyView(key: ConsumerKey) {
  const expired = key.expiresAt !== null && Date.parse(key.expiresAt) <= Date.now();
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    endpoints: key.endpoints,
    rateLimit: key.requestsPerMinute === null ? null : { requestsPerMinute: key.requestsPerMinute },
    expiresAt: key.expiresAt,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
    status: key.revokedAt !== null ? 'revoked' : expired ? 'expired' : 'active',
  };
}
