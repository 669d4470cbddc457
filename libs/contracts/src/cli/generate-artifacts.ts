/**
 * Writes docs/asyncapi.yaml and docs/schemas/<topic>.schema.json from the contracts.
 * `--check`: exits 1 if the checked-in files differ from what would be generated.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { allTopics } from '../topics';
import { buildAsyncApiDocument, jsonSchemaForTopic } from '../asyncapi';

const root = join(__dirname, '..', '..', '..', '..');
const check = process.argv.includes('--check');
const files = new Map<string, string>();
files.set(
  join(root, 'docs', 'asyncapi.yaml'),
  stringify(buildAsyncApiDocument(), { aliasDuplicateObjects: false }),
);
for (const t of allTopics) {
  files.set(
    join(root, 'docs', 'schemas', `${t.name}.schema.json`),
    JSON.stringify(jsonSchemaForTopic(t.name), null, 2) + '\n',
  );
}
const stale: string[] = [];
for (const [path, content] of files) {
  if (check) {
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(path);
  } else {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
}
if (check && stale.length) {
  console.error(`contract artifacts out of date (run npm run contracts:generate):\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
console.log(check ? 'contract artifacts up to date' : `wrote ${files.size} files`);
