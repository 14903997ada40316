/**
 * @module admin-token
 * The admin token: `ADMIN_TOKEN` when set, else one generated on first start and kept in the
 * data folder (mode 0600) so that restarts keep it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface AdminTokenResult {
  token: string;
  /** True when the token was generated now and must be shown once. */
  generated: boolean;
}

export function resolveAdminToken(
  configured: string | undefined,
  dataDir: string,
): AdminTokenResult {
  if (configured) return { token: configured, generated: false };

  const file = path.join(dataDir, 'admin-token');
  try {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored) return { token: stored, generated: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }

  mkdirSync(dataDir, { recursive: true });
  const token = `pgadm_${randomBytes(24).toString('base64url')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true };
}
