// Validates the OpenAPI document read from stdin with @seriousme/openapi-schema-validator and
// prints `{ valid, errors, version }`. The package is ESM only, which jest's CommonJS runtime
// cannot load, so the tests run it in a plain Node process.
import { Validator } from '@seriousme/openapi-schema-validator';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const validator = new Validator();
const result = await validator.validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
process.stdout.write(JSON.stringify({ ...result, version: validator.version }));
