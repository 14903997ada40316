/**
 * Writes the whole configured store (SQLite in DATA_DIR, or MONGODB_URI) to a JSON dump: every
 * endpoint with its state and all versions. See `src/storage/backup.ts` for the format.
 *
 *   npm run store:export -- --out backup.json      (no --out prints the dump)
 */
import 'dotenv/config';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { exportStore, openStore, SQLITE_FILE_NAME } from '../src/storage';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const config = loadConfig();
  // Opening a SQLite store creates it: a mistyped DATA_DIR would export an empty store.
  const file = path.join(config.dataDir, SQLITE_FILE_NAME);
  if (!config.mongodbUri && !existsSync(file)) throw new Error(`no store at ${file}`);
  const store = await openStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri });
  try {
    const dump = await exportStore(store);
    const text = `${JSON.stringify(dump, null, 2)}\n`;
    if (values.out) {
      writeFileSync(values.out, text);
      const versions = dump.endpoints.reduce((sum, e) => sum + e.versions.length, 0);
      process.stderr.write(
        `wrote ${values.out}: ${dump.endpoints.length} endpoints, ${versions} versions\n`,
      );
    } else {
      process.stdout.write(text);
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `store export failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
