// Writes the files generated from the config key table (src/config/schema.ts):
//   schemas/optin-config.schema.json  (JSON Schema for Red Hat YAML's yamlValidation)
//   docs/config.md                    (key reference)
// Usage: npx tsx scripts/gen-config-docs.ts [--check]   (--check: exit 1 if a file is out of date)
import * as fs from 'fs';
import * as path from 'path';
import { configDocsMarkdown } from '../src/config/docs';
import { configJsonSchemaText } from '../src/config/jsonSchema';

const root = path.resolve(__dirname, '..');
export const GENERATED: Record<string, () => string> = {
  'schemas/optin-config.schema.json': configJsonSchemaText,
  'docs/config.md': configDocsMarkdown,
};

if (require.main === module) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [rel, make] of Object.entries(GENERATED)) {
    const file = path.join(root, rel);
    const text = make();
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (current === text) continue;
    if (check) {
      console.error(`${rel} is out of date; run: npx tsx scripts/gen-config-docs.ts`);
      stale++;
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      console.log(`wrote ${rel}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
