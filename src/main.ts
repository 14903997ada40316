/**
 * @module main
 * The process entry point: reads `.env` and the environment, starts the server, and stops it
 * cleanly on SIGINT or SIGTERM.
 */
import 'dotenv/config';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logging/logger';
import { startServer } from './server';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const server = await startServer(config, {
    logger,
    onGeneratedToken: (token) => {
      process.stdout.write(
        `\nGenerated admin token (kept in ${config.dataDir}/admin-token; shown once):\n  ${token}\n\n`,
      );
    },
  });

  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `configuration: ${error.message}` : String(error);
  process.stderr.write(`promptgate failed to start: ${message}\n`);
  process.exit(1);
});
