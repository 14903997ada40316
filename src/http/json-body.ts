/**
 * @module http/json-body
 * Reads JSON request bodies with a size limit and a prototype-pollution guard. Every failure
 * is a problem (400, 413, 415), never a parser's HTML page.
 */
import type { Request, RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

export interface JsonBodyOptions {
  /** Largest accepted body in bytes. */
  limitBytes: number;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export function jsonBody(options: JsonBodyOptions): RequestHandler {
  const { limitBytes } = options;
  return async function jsonBody(req, res, next) {
    req.body = undefined;
    if (!BODY_METHODS.has(req.method) || !hasBody(req)) return next();

    const declared = Number(req.get('content-length') ?? NaN);
    if (declared > limitBytes) return refuseTooLarge(req, res, next, limitBytes);
    if (!isJsonType(req.get('content-type'))) {
      req.resume();
      return next(
        new AppError('unsupported_media_type', 'Send the body as application/json (UTF-8).'),
      );
    }

    const text = await readText(req, limitBytes);
    if (text === null) return refuseTooLarge(req, res, next, limitBytes);
    if (text.trim() === '') return next();

    req.body = parseJson(text);
    next();
  };
}

function hasBody(req: Request): boolean {
  const length = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
}

function isJsonType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...params] = contentType
    .toLowerCase()
    .split(';')
    .map((p) => p.trim());
  const json = type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length);
  return json && (charset === undefined || ['utf-8', 'utf8', '"utf-8"'].includes(charset));
}

function refuseTooLarge(
  req: Request,
  res: Parameters<RequestHandler>[1],
  next: (e: unknown) => void,
  limit: number,
) {
  // The client may still be sending; close once the answer is out instead of reading on.
  res.setHeader('Connection', 'close');
  req.resume();
  next(new AppError('payload_too_large', `The body exceeds the limit of ${limit} bytes.`));
}

/** Resolves the UTF-8 text, or null once more than `limit` bytes arrived. */
function readText(req: Request, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Parses JSON, refusing `__proto__` keys and `constructor.prototype` paths. */
export function parseJson(text: string): unknown {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable';
    throw new AppError('malformed_json', `The body is not valid JSON: ${reason}.`);
  }
  if (hasPollutingKey(value)) {
    throw new AppError(
      'malformed_json',
      'The body holds a "__proto__" key or a "constructor.prototype" path, which is refused.',
    );
  }
  return value;
}

/** Walks the parsed value without recursion, so any nesting depth is safe to check. */
function hasPollutingKey(root: unknown): boolean {
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (const item of value) pending.push(item);
      continue;
    }
    for (const key of Object.keys(value)) {
      const child = (value as Record<string, unknown>)[key];
      if (key === '__proto__') return true;
      if (key === 'constructor' && child !== null && typeof child === 'object') {
        if (Object.prototype.hasOwnProperty.call(child, 'prototype')) return true;
      }
      pending.push(child);
    }
  }
  return false;
}
