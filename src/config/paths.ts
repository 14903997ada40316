/**
 * @module config/paths
 * Where the project's own files are, whether running from `src/` (tests) or `dist/`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot(__dirname);
export const TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates');
