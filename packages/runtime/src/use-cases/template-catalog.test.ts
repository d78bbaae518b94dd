import type { TemplateVersion } from '@baton/db';
import { FakeAgentDirectory } from './use-cases-fixture.test-helper';
import { TemplateCatalog } from './template-catalog';

const version = (v: number, text = `v${v}`): TemplateVersion => ({
  tenant: 't', name: 'tpl', version: v, definition: { name: 'tpl', steps: [{ id: 'a', agent: 'echo', input: { text } }] },
  definitionHash: `h${v}`, description: null, schedule: null, triggers: [], createdBy: null, createdAt: new Date(0),
});

/** A store over an array of versions that counts its reads. */
function store(versions: TemplateVersion[]) {
  const reads = { get: 0, latest: 0 };
  return {
    reads,
    versions,
    get: async (_t: string, _n: string, v?: number) => {
      reads.get++;
      return versions.find((x) => x.version === (v ?? versions.length));
    },
    latestVersion: async () => {
      reads.latest++;
      return versions.length > 0 ? versions.length : undefined;
    },
  };
}

describe('TemplateCatalog', () => {
  const deps = { agents: new FakeAgentDirectory() };

  it('keeps a checked version without reading it again, and the latest number only while it hears changes', async () => {
    const s = store([version(1)]);
    let hears = true;
    const catalog = new TemplateCatalog({ store: s, hearsChanges: () => hears });
    const first = await catalog.resolve('t', 'tpl', undefined, deps);
    expect(first.template.version).toBe(1);
    expect(first.checked.workflow.steps[0]!.input).toEqual({ text: 'v1' });
    await catalog.resolve('t', 'tpl', undefined, deps);
    expect(s.reads).toEqual({ get: 1, latest: 1 });
    s.versions.push(version(2));
    // Not told yet: the cached latest still answers.
    expect((await catalog.resolve('t', 'tpl', undefined, deps)).template.version).toBe(1);
    catalog.forget('t', 'tpl');
    expect((await catalog.resolve('t', 'tpl', undefined, deps)).template.version).toBe(2);
    hears = false;
    s.versions.push(version(3));
    expect((await catalog.resolve('t', 'tpl', undefined, deps)).template.version).toBe(3);
    expect((await catalog.resolve('t', 'tpl', 1, deps)).template.version).toBe(1);
    expect(s.reads.get).toBe(3);
  });

  it('does not keep a latest number read before a forget that came meanwhile', async () => {
    const s = store([version(1)]);
    const catalog = new TemplateCatalog({ store: s, hearsChanges: () => true });
    const slow = s.latestVersion;
    s.latestVersion = async () => {
      const v = await slow();
      catalog.forget();
      return v;
    };
    await catalog.resolve('t', 'tpl', undefined, deps);
    s.latestVersion = slow;
    s.versions.push(version(2));
    expect((await catalog.resolve('t', 'tpl', undefined, deps)).template.version).toBe(2);
  });

  it('is TEMPLATE_NOT_FOUND for no template or no such version, and checks a cached version\'s agents again', async () => {
    const catalog = new TemplateCatalog({ store: store([version(1)]) });
    await expect(catalog.resolve('t', 'tpl', 9, deps)).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND', message: 'template tpl has no version 9' });
    await expect(new TemplateCatalog({ store: store([]) }).resolve('t', 'tpl', undefined, deps)).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND', message: 'template tpl not found' });
    await catalog.resolve('t', 'tpl', 1, deps);
    const gone = { agents: new FakeAgentDirectory(new Set(['classify'])) };
    await expect(catalog.resolve('t', 'tpl', 1, gone)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
