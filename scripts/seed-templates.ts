/**
 * Loads the endpoint definitions of templates/ (or --dir) into the configured store and publishes
 * them. Idempotent: endpoints that already exist are left as they are.
 *
 *   npm run seed [-- --dir ./my-templates]
 */
import { parseArgs } from 'node:util';
import { TEMPLATES_DIR } from '../src/config/paths';
import { seedTemplates } from '../src/definitions/seed';
import { configuredStore, runScript, withStore } from './cli';

runScript('seed', async () => {
  const { values } = parseArgs({ options: { dir: { type: 'string' } } });
  const result = await withStore(configuredStore(), (store) =>
    seedTemplates(store, values.dir ?? TEMPLATES_DIR),
  );
  const list = (names: string[]) => names.join(', ') || 'none';
  process.stdout.write(
    `created: ${list(result.created)}\nalready there: ${list(result.skipped)}\n`,
  );
});
