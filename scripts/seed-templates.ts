/**
 * Loads the endpoint definitions of templates/ (or --dir) into the configured store and publishes
 * them. Idempotent: endpoints that already exist are left as they are.
 *
 *   npm run seed [-- --dir ./my-templates]
 */
import 'dotenv/config';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import { TEMPLATES_DIR } from '../src/config/paths';
import { seedTemplates } from '../src/definitions/seed';
import { openStore } from '../src/storage';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' } } });
  const config = loadConfig();
  const store = await openStore({ dataDir: config.dataDir, mongodbUri: config.mongodbUri });
  try {
    const result = await seedTemplates(store, values.dir ?? TEMPLATES_DIR);
    process.stdout.write(
      `created: ${result.created.join(', ') || 'none'}\nalready there: ${result.skipped.join(', ') || 'none'}\n`,
    );
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
