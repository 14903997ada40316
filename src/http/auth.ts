/**
 * @module http/auth
 * Credentials: the admin token for `/admin`, and for generated endpoints the admin token or a
 * consumer key (`Authorization: Bearer ...` or `X-API-Key`).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/** The bearer token or `X-API-Key` of a request, if any. */
export function credentialOf(req: Request): string | undefined {
  const header = req.get('authorization');
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  if (match) return match[1];
  return req.get('x-api-key') || undefined;
}

/** Compares secrets in constant time, whatever their lengths. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function requireAdmin(adminToken: string): RequestHandler {
  return function requireAdmin(req, _res, next) {
    const credential = credentialOf(req);
    if (!credential) {
      return next(new AppError('unauthorized', 'Send the admin token as a bearer credential.'));
    }
    if (!sameSecret(credential, adminToken)) {
      return next(new AppError('unauthorized', 'The credential is not the admin token.'));
    }
    next();
  };
}
