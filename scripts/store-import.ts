/**
 * Loads a dump written by `store-export` into a store: by default the configured one (DATA_DIR
 * or MONGODB_URI), else the target named on the command line. Endpoints keep their version
 * numbers, definitions, states and timestamps. Names that already exist fail the whole import
 * before anything is written, unless `--on-existing skip`.
 *
 *   npm run store:import -- --in backup.json
 *   npm run store:import -- --in backup.json --target-data-dir ./data-copy
 *   npm run store:import -- --in backup.json --target-mongodb-uri mongodb://host:27017/promptgate
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateDefinition } from '../src/definitions/validate-definition';
import { importStore, type DumpedEndpoint, type OpenStoreOptions } from '../src/storage';
import { configuredStore, runScript, withStore } from './cli';

const USAGE =
  'usage: store-import --in FILE [--target-data-dir DIR | --target-mongodb-uri URI] ' +
  '[--on-existing fail|skip]';

runScript('store import', async () => {
  const { values } = parseArgs({
    options: {
      in: { type: 'string' },
      'target-data-dir': { type: 'string' },
      'target-mongodb-uri': { type: 'string' },
      'on-existing': { type: 'string', default: 'fail' },
    },
  });
  const onExisting = values['on-existing'];
  if (!values.in || (onExisting !== 'fail' && onExisting !== 'skip')) throw new Error(USAGE);
  if (values['target-data-dir'] && values['target-mongodb-uri']) throw new Error(USAGE);

  const dump: unknown = JSON.parse(readFileSync(values.in, 'utf8'));
  const result = await withStore(target(values), (store) =>
    importStore(store, dump, { onExisting, checkEndpoint }),
  );
  process.stderr.write(
    `imported ${result.imported.length} endpoints` +
      (result.skipped.length > 0 ? `, skipped existing: ${result.skipped.join(', ')}` : '') +
      '\n',
  );
});

/** The command-line target, else the configured store. */
function target(values: Record<string, string | boolean | undefined>): OpenStoreOptions {
  const dataDir = values['target-data-dir'];
  const mongodbUri = values['target-mongodb-uri'];
  if (typeof dataDir === 'string') return { dataDir };
  if (typeof mongodbUri === 'string') return { dataDir: '', mongodbUri };

  return configuredStore();
}

/** What the admin API would accept: every definition valid, dates that parse. */
function checkEndpoint({ state, versions }: DumpedEndpoint): void {
  for (const version of versions) {
    try {
      validateDefinition(version.definition, state.name);
    } catch (error) {
      const details = (error as { errors?: { path: string; message: string }[] }).errors ?? [];
      const first = details[0] ? `${details[0].path} ${details[0].message}` : String(error);
      throw new Error(`version ${version.version} is not a valid definition: ${first}`);
    }
  }
  for (const [field, value] of Object.entries(state)) {
    if (/At$|^sunset$/.test(field) && value !== null && Number.isNaN(Date.parse(String(value)))) {
      throw new Error(`${field} is not a date`);
    }
  }
}
