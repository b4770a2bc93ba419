import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_PATH = join(import.meta.dirname, '../../../deploy/grafana/gradnoise.json');

export interface DashboardTarget {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
}

export interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly type: string; readonly uid: string };
  readonly targets: readonly { refId: string; expr: string }[];
  readonly panels?: readonly DashboardPanel[];
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
  readonly templating: {
    readonly list: readonly { name: string; type: string; query: string | { query: string } }[];
  };
}

export function loadDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as Dashboard;
}

/** Every panel, rows' nested panels included, rows themselves excluded. */
export function allPanels(dashboard: Dashboard): DashboardPanel[] {
  const out: DashboardPanel[] = [];
  const walk = (panels: readonly DashboardPanel[]) => {
    for (const panel of panels) {
      if (panel.type !== 'row') out.push(panel);
      if (panel.panels) walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Every PromQL expression of every panel. */
export function dashboardTargets(dashboard: Dashboard): DashboardTarget[] {
  return allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({ panel: panel.title, refId: t.refId, expr: t.expr })),
  );
}

/** The `label_values(selector, label)` queries of the template variables. */
export function variableQueries(dashboard: Dashboard): { name: string; selector: string; label: string }[] {
  return dashboard.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => {
      const query = typeof v.query === 'string' ? v.query : v.query.query;
      const match = /^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(query.trim());
      if (!match?.[1] || !match[2]) throw new Error(`variable ${v.name}: not label_values(...): ${query}`);
      return { name: v.name, selector: match[1], label: match[2] };
    });
}

/**
 * What Grafana would send for "All" selected: interval macros become `rateInterval`, template
 * variables (`$x`, `${x}`, `${x:format}`) become the regex `.*`. Throws if a `$` survives, so an
 * unknown macro cannot slip through unevaluated.
 */
export function substituteGrafanaVariables(expr: string, rateInterval = '30s'): string {
  const out = expr
    .replace(/\$__(rate_interval|interval|range)\b/g, rateInterval)
    .replace(/\$\{(?!__)[a-zA-Z_][a-zA-Z0-9_]*(:[a-z]+)?\}/g, '.*')
    .replace(/\$(?!__)[a-zA-Z_][a-zA-Z0-9_]*/g, '.*');
  if (out.includes('$')) throw new Error(`unsubstituted Grafana variable in: ${expr}`);
  return out;
}
