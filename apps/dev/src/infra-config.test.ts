import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// infra/prometheus and infra/grafana: valid for promtool, and reading only series Baton exports.
const INFRA = join(__dirname, '../../../infra');
const PROMTOOL = '/usr/bin/promtool';

/** Every series Baton exports (README, Operations), and Prometheus's own `up`. */
const SERIES = ['baton_runs_total', 'baton_steps_total', 'baton_step_duration_seconds_bucket', 'baton_step_queue_wait_seconds_bucket', 'baton_queue_jobs',
  'baton_agent_workers', 'baton_reconciler_repairs_total', 'baton_http_requests_total', 'baton_http_request_duration_seconds_bucket',
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
