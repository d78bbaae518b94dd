import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import Ajv from 'ajv';
import { DockerfileParser } from 'dockerfile-ast';
import { validate as validateDockerfile } from 'dockerfile-utils';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseYaml, parseAllDocuments, stringify as stringifyYaml } from 'yaml';
import { loadConfig } from '@baton/app-api';
import { loadWorkerConfig } from '@baton/app-worker';

// infra/prometheus and infra/grafana: valid for promtool, and reading only series Baton exports.
const INFRA = join(__dirname, '../../../infra');
const PROMTOOL = '/usr/bin/promtool';

/** Every series Baton exports (README, Operations), and Prometheus's own `up`. */
const SERIES = ['baton_runs_total', 'baton_steps_total', 'baton_step_duration_seconds_bucket', 'baton_step_queue_wait_seconds_bucket', 'baton_queue_jobs',
  'baton_agent_workers', 'baton_reconciler_repairs_total', 'baton_http_requests_total', 'baton_http_request_duration_seconds_bucket',
  'baton_cache_hits_total', 'baton_cache_misses_total', 'baton_cache_entries',
  'process_resident_memory_bytes', 'process_cpu_seconds_total', 'up'];

function promtool(...args: string[]): string {
  return execFileSync(PROMTOOL, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const namesIn = (expr: string) => [...expr.matchAll(/\b(baton_[a-z_]+|process_[a-z_]+|up)\b(?=\s*[{[]|\s*(?:==|>|\)))/g)].map((m) => m[1]!);

describe('infra', () => {
  test('promtool accepts prometheus.yml and alerts.yml', () => {
    expect(promtool('check', 'config', '--syntax-only', join(INFRA, 'prometheus/prometheus.yml'))).toContain('SUCCESS');
    expect(promtool('check', 'rules', join(INFRA, 'prometheus/alerts.yml'))).toMatch(/SUCCESS: \d+ rules found/);
  });

  test('the no-live-worker alert fires after 2 minutes of an agent with 0 workers, and not for one with workers', () => {
    const tests = `
rule_files: [${join(INFRA, 'prometheus/alerts.yml')}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'baton_agent_workers{job="baton-api", instance="a", agent="echo"}'
        values: '0x5'
      - series: 'baton_agent_workers{job="baton-api", instance="a", agent="delay"}'
        values: '2x5'
    alert_rule_test:
      - eval_time: 1m
        alertname: BatonNoLiveWorker
        exp_alerts: []
      - eval_time: 3m
        alertname: BatonNoLiveWorker
        exp_alerts:
          - exp_labels: { severity: critical, agent: echo }
            exp_annotations:
              summary: No live worker serves agent echo
              description: Steps of echo cannot start. Start a worker serving it, or check why its workers stopped heartbeating.
`;
    const file = join(tmpdir(), `baton-alert-test-${process.pid}.yml`);
    writeFileSync(file, tests);
    expect(promtool('test', 'rules', file)).toContain('SUCCESS');
  });

  test('the dashboard and the alerts read only series Baton exports', () => {
    const dashboard = JSON.parse(readFileSync(join(INFRA, 'grafana/baton.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const exprs = [
      ...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)),
      ...[...readFileSync(join(INFRA, 'prometheus/alerts.yml'), 'utf8').matchAll(/expr: (?:\|\n)?([\s\S]*?)\n\s+(?:for|labels):/g)].map((m) => m[1]!),
    ];
    expect(exprs.length).toBeGreaterThan(15);
    const used = new Set(exprs.flatMap(namesIn));
    expect([...used].filter((name) => !SERIES.includes(name))).toEqual([]);
    expect(used).toEqual(new Set(SERIES));
  });
});

// infra/docker, infra/compose.yaml and infra/k8s: no Docker engine or cluster here, so each file is
// checked against its schema (compose-spec; Kubernetes' and KEDA's through kubernetes-models) and
// against what Baton's processes read: their configuration loads from the env the files give them.
const ROOT = join(INFRA, '..');
const readYaml = (path: string): any => parseYaml(readFileSync(join(INFRA, path), 'utf8'), { merge: true }); // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are read freely
const yamlDocs = (path: string): any[] => parseAllDocuments(readFileSync(join(INFRA, path), 'utf8')).map((d) => d.toJS()); // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are read freely

/** The names every config schema declares (`NAME:` at a key's place in the zod objects). */
const KNOWN_ENV = new Set(['apps/api/src/config.ts', 'apps/api/src/auth-config.ts', 'apps/worker/src/config.ts',
  ...readdirSync(join(ROOT, 'packages/config/src')).filter((f) => !f.includes('.test.')).map((f) => `packages/config/src/${f}`)]
  .flatMap((file) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^\s+([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]!)));

/** Compose's `${NAME:-default}` and `${NAME:?message}`, with the values of `given`. */
const interpolate = (env: Record<string, string>, given: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{(\w+)(?::[-?]([^}]*))?\}/g, (_m, name: string, fallback?: string) => given[name] ?? fallback ?? '')]));

const ADMIN_KEY = 'an-admin-key-of-32-characters-or-more';

describe('infra/docker', () => {
  const dockerfile = readFileSync(join(INFRA, 'docker/Dockerfile'), 'utf8');

  test('dockerfile-utils finds no problem in the Dockerfile', () => {
    expect(validateDockerfile(dockerfile).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  test('is multi-stage, runs as a non-root user, and starts node itself (no shell in between)', () => {
    const instructions = DockerfileParser.parse(dockerfile).getInstructions();
    const stages = instructions.filter((i) => i.getKeyword() === 'FROM');
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const last = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));
    expect(last.filter((i) => i.getKeyword() === 'USER').map((i) => i.getArgumentsContent())).toEqual(['node']);
    expect(last.find((i) => i.getKeyword() === 'CMD')?.getArgumentsContent()).toBe('["node", "apps/api/dist/main.js"]');
    // The CLI is on the PATH of the same image.
    expect(dockerfile).toMatch(/ln -s \/app\/apps\/cli\/dist\/main\.js \/usr\/local\/bin\/baton/);
  });

  test('.dockerignore keeps installs, builds and git out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['.git', '**/node_modules', '**/dist', '**/.env']));
  });
});

describe('infra/compose.yaml', () => {
  const compose = readYaml('compose.yaml');

  test('is valid against the compose-spec JSON schema, and dclint finds no error in it', () => {
    // dclint ships the current compose-spec schema (draft-07 named by its https address, which Ajv does
    // not know: the schema itself is not checked).
    const schema = JSON.parse(readFileSync(join(dirname(require.resolve('dclint/package.json')), 'schemas/compose.schema.json'), 'utf8')) as object;
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    const validate = ajv.compile(schema);
    validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    // A wrong file is caught.
    expect(validate({ services: { api: { image: 'baton', replica: 3 } } })).toBe(false);
    expect(validate.errors).toContainEqual(expect.objectContaining({ instancePath: '/services/api', params: { additionalProperty: 'replica' } }));
    // dclint: errors only (its warnings are about key order and quoting).
    expect(execFileSync(join(ROOT, 'node_modules/.bin/dclint'), ['-q', join(INFRA, 'compose.yaml')], { encoding: 'utf8' }).trim()).toBe('');
  });

  test('has Redis with AOF and noeviction, Postgres, 1 api, 3 workers, Prometheus, Grafana and a collector', () => {
    const { services } = compose;
    expect(Object.keys(services).sort()).toEqual(['api', 'grafana', 'otel-collector', 'postgres', 'prometheus', 'redis', 'worker']);
    expect(services.redis.command.join(' ')).toMatch(/--appendonly yes.*--maxmemory-policy noeviction/);
    expect(services.api.deploy?.replicas ?? 1).toBe(1);
    expect(services.worker.deploy.replicas).toBe(3);
    expect(services.worker.command).toEqual(['node', 'apps/worker/dist/main.js']);
    expect(services.api.command).toEqual(['node', 'apps/api/dist/main.js']);
    expect(services.api.build).toEqual({ context: '..', dockerfile: 'infra/docker/Dockerfile' });
    // Every file mounted exists; Grafana gets the dashboard of infra/grafana.
    const mounts = Object.values(services).flatMap((s: any) => (s.volumes ?? []) as string[]).filter((v) => v.startsWith('./')); // eslint-disable-line @typescript-eslint/no-explicit-any
    for (const mount of mounts) expect([mount, existsSync(join(INFRA, mount.split(':')[0]!))]).toEqual([mount, true]);
    expect(services.grafana.volumes).toContain('./grafana/baton.json:/var/lib/grafana/dashboards/baton.json:ro');
  });

  test('the api and the workers load their configuration from the environment compose gives them', () => {
    const { services } = compose;
    for (const [name, service] of [['api', services.api], ['worker', services.worker]] as const) {
      const unknown = Object.keys(service.environment).filter((k) => !KNOWN_ENV.has(k));
      expect([name, unknown]).toEqual([name, []]);
    }
    const api = loadConfig(interpolate(services.api.environment, { BATON_ADMIN_KEY: ADMIN_KEY }));
    expect(api).toMatchObject({ port: 3000, adminKey: ADMIN_KEY, queuePrefix: 'baton', databaseUrl: 'postgres://baton:baton@postgres:5432/baton' });
    const worker = loadWorkerConfig(interpolate(services.worker.environment, {}));
    expect(worker).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0', redisUrl: 'redis://redis:6379' });
    // A stop waits longer than the worker's own grace.
    expect(parseInt(services.worker.stop_grace_period, 10) * 1000).toBeGreaterThan(worker.shutdownGraceMs);
  });

  test("promtool accepts compose's Prometheus config, and the collector's pipelines use only what it defines", () => {
    expect(promtool('check', 'config', '--syntax-only', join(INFRA, 'compose/prometheus.yml'))).toContain('SUCCESS');
    const otel = readYaml('compose/otel-collector.yaml');
    for (const pipeline of Object.values(otel.service.pipelines) as Array<Record<string, string[]>>) {
      for (const kind of ['receivers', 'processors', 'exporters']) {
        for (const name of pipeline[kind] ?? []) expect([kind, name, name in otel[kind]]).toEqual([kind, name, true]);
      }
    }
    for (const name of otel.service.extensions) expect(otel.extensions).toHaveProperty([name]);
    expect(compose.services.api.environment.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://otel-collector:${otel.receivers.otlp.protocols.http.endpoint.split(':')[1]}`);
  });
});

describe('infra/k8s', () => {
  const MODELS: Record<string, new (data: any) => { validate(): void }> = { Deployment, Service, ConfigMap, Secret, Ingress, PodDisruptionBudget, ScaledObject }; // eslint-disable-line @typescript-eslint/no-explicit-any
  const kustomization = readYaml('k8s/kustomization.yaml');
  const objects = (kustomization.resources as string[]).flatMap((file) => yamlDocs(`k8s/${file}`));
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  test("every manifest is valid against Kubernetes' (and KEDA's) schemas", () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Deployment', 'Ingress', 'PodDisruptionBudget', 'PodDisruptionBudget', 'ScaledObject', 'Secret', 'Service']);
    for (const o of objects) expect(() => new MODELS[o.kind]!(o).validate()).not.toThrow();
    // The validation does catch a wrong manifest.
    const broken = structuredClone(find('Deployment', 'baton-api'));
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'http';
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort must be integer/);
  });

  test('probes /healthz (liveness) and /readyz (readiness) on both, and selectors that match', () => {
    for (const name of ['baton-api', 'baton-worker']) {
      const deployment = find('Deployment', name);
      const [container] = deployment.spec.template.spec.containers;
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      const labels = deployment.spec.template.metadata.labels;
      expect(labels).toMatchObject(deployment.spec.selector.matchLabels);
      expect(labels).toMatchObject(find('PodDisruptionBudget', name).spec.selector.matchLabels);
      expect(deployment.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
    expect(find('Deployment', 'baton-api').spec.template.metadata.labels).toMatchObject(find('Service', 'baton-api').spec.selector);
    expect(find('Ingress', 'baton-api').spec.rules[0].http.paths[0].backend.service.name).toBe('baton-api');
  });

  test('the api and the worker load their configuration from the ConfigMap, the Secret and their env', () => {
    const base = { ...find('ConfigMap', 'baton-config').data, ...find('Secret', 'baton-secrets').stringData };
    const envOf = (name: string): Record<string, string> => ({ ...base,
      ...Object.fromEntries(find('Deployment', name).spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value])) });
    for (const name of ['baton-api', 'baton-worker']) expect([name, Object.keys(envOf(name)).filter((k) => !KNOWN_ENV.has(k))]).toEqual([name, []]);
    expect(loadConfig(envOf('baton-api'))).toMatchObject({ port: 3000, trustProxy: 1 });
    const worker = loadWorkerConfig(envOf('baton-worker'));
    expect(worker).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
    expect(find('Deployment', 'baton-worker').spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(worker.shutdownGraceMs);
  });

  test("KEDA scales the workers on the agent queues' waiting jobs, a query Prometheus accepts over series Baton exports", () => {
    const scaled = find('ScaledObject', 'baton-worker');
    expect(scaled.spec.scaleTargetRef.name).toBe('baton-worker');
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    const query: string = trigger.metadata.query;
    expect(query).toContain('queue=~"agent\\\\..+"');
    expect(query).toMatch(/state=~"waiting\|prioritized"/);
    expect(namesIn(query).every((n) => SERIES.includes(n))).toBe(true);
    // promtool parses the query (as a recording rule).
    const file = join(tmpdir(), `baton-keda-rule-${process.pid}.yml`);
    writeFileSync(file, stringifyYaml({ groups: [{ name: 'keda', rules: [{ record: 'baton:agent_backlog', expr: query }] }] }));
    expect(promtool('check', 'rules', file)).toContain('SUCCESS');
  });
});
