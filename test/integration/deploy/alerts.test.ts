import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../scaleout/replica.js';

// deploy/prometheus/alerts.yml through Prometheus's own tools: `promtool check rules` parses it and
// `promtool test rules` evaluates every alert on series that should and should not raise it.

const PROMTOOL = '/usr/bin/promtool';
const RULES = join(REPO_ROOT, 'deploy/prometheus/alerts.yml');
const TESTS = join(REPO_ROOT, 'deploy/prometheus/alerts.test.yml');
const present = existsSync(PROMTOOL);
if (!present && process.env.CI) throw new Error('CI must test the alert rules, but promtool is missing');

interface RuleFile {
  groups: { rules: { alert?: string }[] }[];
}
interface RuleTests {
  tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

describe.skipIf(!present)('Prometheus alert rules (deploy/prometheus/alerts.yml)', () => {
  it('pass promtool check rules and promtool test rules', () => {
    expect(execFileSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' })).toContain(
      'SUCCESS: 5 rules',
    );
    expect(execFileSync(PROMTOOL, ['test', 'rules', TESTS], { encoding: 'utf8' })).toContain('SUCCESS');
  });

  it('test every alert both firing and silent', () => {
    const alerts = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap((g) =>
      g.rules.flatMap((r) => (r.alert === undefined ? [] : [r.alert])),
    );
    const cases = (parse(readFileSync(TESTS, 'utf8')) as RuleTests).tests.flatMap(
      (t) => t.alert_rule_test ?? [],
    );
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert} fires in a test`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert} stays silent in a test`,
      ).toBe(true);
    }
    expect(alerts).toEqual([
      'GradnoiseRunsStuck',
      'GradnoiseServerErrors',
      'GradnoiseMetricPointsDropped',
      'GradnoiseQueueGrowing',
      'GradnoiseReplicaDown',
    ]);
  });

  it('fails promtool test rules when an alert is wrong (the tests can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradnoise-alerts-'));
    try {
      copyFileSync(TESTS, join(dir, 'alerts.test.yml'));
      writeFileSync(join(dir, 'alerts.yml'), readFileSync(RULES, 'utf8').replace('> 0.05', '> 0.5'));
      expect(() =>
        execFileSync(PROMTOOL, ['test', 'rules', join(dir, 'alerts.test.yml')], { stdio: 'pipe' }),
      ).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
