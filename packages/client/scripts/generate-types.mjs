// Writes the api's OpenAPI document and the TypeScript types openapi-typescript generates from it
// into packages/client, so the client's types are the server's. `--check` writes nothing and
// fails when the committed files differ. The document comes from the built api (`npm run build`
// first), or from `--document <file>`.
//   npm run -w @baton/client generate          (= node packages/client/scripts/generate-types.mjs)
//   node packages/client/scripts/generate-types.mjs --check [--document openapi.json]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const CLIENT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(CLIENT, '../..');
export const DOCUMENT_FILE = join(CLIENT, 'openapi.json');
export const TYPES_FILE = join(CLIENT, 'src/generated/openapi.ts');

const HEADER = `// Generated from the api's OpenAPI document by packages/client/scripts/generate-types.mjs: do not edit.
// Regenerate with \`npm run build && npm run -w @baton/client generate\`.
`;

/** The two files' contents for `document`. */
export async function render(document) {
  const types = HEADER + astToString(await openapiTS(document, { alphabetize: false }));
  return { [DOCUMENT_FILE]: `${JSON.stringify(document, null, 2)}\n`, [TYPES_FILE]: types };
}

function builtDocument() {
  const built = join(ROOT, 'apps/api/dist/openapi/openapi-document.js');
  if (!existsSync(built)) throw new Error(`${relative(ROOT, built)} is missing: run npm run build first`);
  return createRequire(import.meta.url)(built).openApiDocument();
}

async function main(args) {
  const at = args.indexOf('--document');
  const document = at >= 0 ? JSON.parse(readFileSync(args[at + 1], 'utf8')) : builtDocument();
  const files = await render(document);
  if (args.includes('--check')) {
    const stale = Object.entries(files).filter(([path, text]) => !existsSync(path) || readFileSync(path, 'utf8') !== text).map(([path]) => relative(ROOT, path));
    if (stale.length > 0) {
      console.error(`out of date with the api's OpenAPI document: ${stale.join(', ')}. Run: npm run build && npm run -w @baton/client generate`);
      process.exitCode = 1;
    }
    return;
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${relative(ROOT, path)}`);
  }
}

await main(process.argv.slice(2));
