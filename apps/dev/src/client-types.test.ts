// The client's generated types are the api's document: this fails when a route or schema of the
// api changed and `npm run -w @baton/client generate` was not run (and committed) after it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openApiDocument } from '@baton/app-api';

const GENERATOR = resolve(__dirname, '../../../packages/client/scripts/generate-types.mjs');

function check(document: unknown): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'baton-openapi-'));
  try {
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document));
    const run = spawnSync(process.execPath, [GENERATOR, '--check', '--document', join(dir, 'openapi.json')], { encoding: 'utf8' });
    return { status: run.status, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('@baton/client generated types', () => {
  it('are up to date with the api\'s OpenAPI document (else: npm run build && npm run -w @baton/client generate)', () => {
    const result = check(openApiDocument());
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('the check fails on a document the committed files were not generated from', () => {
    const doc = openApiDocument();
    const result = check({ ...doc, info: { ...doc.info, title: 'another api' } });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('npm run -w @baton/client generate');
  });
});
