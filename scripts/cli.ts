/**
 * @module scripts/cli
 * What every command-line script shares: reading the configured store, writing a result to a
 * file or stdout, and ending with a one-line error and exit code 1 instead of a stack trace.
 */
import 'dotenv/config';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config';
import {
  openStore,
  SQLITE_FILE_NAME,
  type EndpointStore,
  type OpenStoreOptions,
} from '../src/storage';

/** The store the server would use: `MONGODB_URI`, else SQLite in `DATA_DIR`. */
export function configuredStore(): OpenStoreOptions {
  const config = loadConfig();
  return { dataDir: config.dataDir, mongodbUri: config.mongodbUri };
}

/**
 * Opens the store, runs `work`, closes the store. With `mustExist`, a SQLite file that is not
 * there is an error: opening would create it, and a mistyped DATA_DIR would read as empty.
 */
export async function withStore<T>(
  options: OpenStoreOptions,
  work: (store: EndpointStore) => Promise<T>,
  { mustExist = false } = {},
): Promise<T> {
  const file = path.join(options.dataDir, SQLITE_FILE_NAME);
  if (mustExist && !options.mongodbUri && !existsSync(file)) {
    throw new Error(`no store at ${file}`);
  }
  const store = await openStore(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Writes `text` to `out` and says so on stderr, or prints it to stdout when `out` is absent. */
export function writeOutput(out: string | undefined, text: string, summary: string): void {
  if (!out) {
    process.stdout.write(text);
    return;
  }
  writeFileSync(out, text);
  process.stderr.write(`wrote ${out}: ${summary}\n`);
}

/** Runs a script's main function; a failure prints `<what> failed: <reason>` and exits 1. */
export function runScript(what: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${what} failed: ${reason}\n`);
    process.exit(1);
  });
}
