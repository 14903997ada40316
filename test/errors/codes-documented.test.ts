import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '../../src/errors/codes';

describe('error codes', () => {
  it('are each documented in the README error table with their status', () => {
    const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const [code, { status }] of Object.entries(ERROR_CODES)) {
      expect(readme).toMatch(new RegExp(`\\|\\s*${status}\\s*\\|\\s*\`${code}\``));
    }
  });
});
