import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configPath, loadCliConfig } from './cli-config';

describe('loadCliConfig', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'baton-cli-config-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const write = (dir: string, text: string) => {
    mkdirSync(join(dir, 'baton'), { recursive: true });
    writeFileSync(join(dir, 'baton', 'config.json'), text);
  };

  it('finds the file under XDG_CONFIG_HOME, else ~/.config, else nowhere', () => {
    expect(configPath({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/baton/config.json');
    expect(configPath({ HOME: '/h' })).toBe('/h/.config/baton/config.json');
    expect(configPath({})).toBeUndefined();
  });

  it('takes the environment over the file, and the file over the default', () => {
    expect(loadCliConfig({ HOME: home })).toEqual({ url: 'http://localhost:3000' });
    write(join(home, '.config'), JSON.stringify({ url: 'http://file:1', apiKey: 'file-key' }));
    expect(loadCliConfig({ HOME: home })).toEqual({ url: 'http://file:1', apiKey: 'file-key' });
    expect(loadCliConfig({ HOME: home, BATON_URL: 'http://env:2', BATON_API_KEY: 'env-key' })).toEqual({ url: 'http://env:2', apiKey: 'env-key' });
    // An empty variable is unset.
    expect(loadCliConfig({ HOME: home, BATON_URL: '' })).toEqual({ url: 'http://file:1', apiKey: 'file-key' });
  });

  it('refuses a file that is no JSON object of strings, naming it', () => {
    const xdg = join(home, 'xdg');
    const path = join(xdg, 'baton', 'config.json');
    write(xdg, '{ url: ');
    expect(() => loadCliConfig({ XDG_CONFIG_HOME: xdg })).toThrow(`${path}: not JSON`);
    write(xdg, '[]');
    expect(() => loadCliConfig({ XDG_CONFIG_HOME: xdg })).toThrow(`${path}: must be a JSON object { "url", "apiKey" }`);
    write(xdg, '{ "apiKey": 42 }');
    expect(() => loadCliConfig({ XDG_CONFIG_HOME: xdg })).toThrow(`${path}: apiKey must be a string`);
  });
});
