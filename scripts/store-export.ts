/**
 * Writes the whole configured store (SQLite in DATA_DIR, or MONGODB_URI) to a JSON dump: every
 * endpoint with its state and all versions. See `src/storage/backup.ts` for the format.
 *
 *   npm run store:export -- --out backup.json      (no --out prints the dump)
 */
import { parseArgs } from 'node:util';
import { exportStore } from '../src/storage';
import { configuredStore, runScript, withStore, writeOutput } from './cli';

runScript('store export', async () => {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const dump = await withStore(configuredStore(), exportStore, { mustExist: true });
  const versions = dump.endpoints.reduce((sum, e) => sum + e.versions.length, 0);
  const text = `${JSON.stringify(dump, null, 2)}\n`;
  writeOutput(values.out, text, `${dump.endpoints.length} endpoints, ${versions} versions`);
});
