/**
 * Runs a TypeScript entry file of this checkout in plain Node, so tests can start real server
 * processes on the current sources instead of a possibly stale `dist/`. Each `.ts` module is
 * transpiled when it is loaded (no type check; `tsc --noEmit` does that). Transpiled text is
 * cached in the temp folder by a hash of the source, so only the first start pays for it.
 *
 *   node test/instances/run-ts.cjs src/main.ts [args...]
 */
const { createHash } = require('node:crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');

const CACHE_DIR = join(tmpdir(), 'promptgate-run-ts-cache');
let ts;

function transpile(source, filename) {
  ts ??= require('typescript');
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
  };
  return ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = readFileSync(filename, 'utf8');
  const key = createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  const cached = join(CACHE_DIR, `${key}.js`);
  let output;
  try {
    output = readFileSync(cached, 'utf8');
  } catch {
    output = transpile(source, filename);
    mkdirSync(CACHE_DIR, { recursive: true });
    // Write then rename, so a process starting in parallel never reads half a file.
    const partial = `${cached}.${process.pid}`;
    writeFileSync(partial, output);
    renameSync(partial, cached);
  }
  module._compile(output, filename);
};

// The entry sees the argv it would have as `node entry.js args...`.
const entry = resolve(process.argv[2]);
process.argv.splice(1, 2, entry);
require(entry);
