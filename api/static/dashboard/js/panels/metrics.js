// Risk metrics from GET /risk/metrics, each with its convention, and component VaR by
// position and by tag.

import { barChart } from "../charts.js";
import { byId, el, fillTable } from "../dom.js";
import * as fmt from "../format.js";
import { renderConventions } from "./conventions.js";

const METRICS = [
  ["volatility", "Volatility (annualised, √252)", (v) => fmt.pct(v, 2), "volatility"],
  ["sharpe_ratio", "Sharpe ratio (annualised)", (v) => fmt.num(v, 2), "sharpe_ratio"],
  ["max_drawdown", "Maximum drawdown (≤ 0)", (v) => fmt.pct(v, 2), "max_drawdown"],
  ["beta", "Beta vs SPY (realised)", (v) => fmt.num(v, 3), "beta"],
  ["var_95", "Historical VaR 95 %, 1 day (loss, of V)", (v) => fmt.bp(v), "historical_var"],
  ["var_95_dollars", "Historical VaR 95 %, 1 day ($ loss)", fmt.money, "historical_var"],
  ["es_95", "Expected shortfall 95 %, 1 day (loss, of V)", (v) => fmt.bp(v), "historical_es"],
  ["es_95_dollars", "Expected shortfall 95 %, 1 day ($ loss)", fmt.money, "historical_es"],
  ["parametric_var_95", "Parametric VaR 95 %, 1 day ($ loss)", fmt.money, "parametric_var"],
  ["parametric_var_95_fraction", "Parametric VaR 95 %, 1 day (of V)", (v) => fmt.bp(v),
    "parametric_var"],
];

function componentChart(canvas, rows, labelOf, what) {
  const sorted = [...rows].sort((a, b) => Math.abs(b.component_var) - Math.abs(a.component_var));
  barChart(canvas, {
    labels: sorted.map(labelOf), values: sorted.map((r) => r.component_var),
    label: "Component VaR", format: fmt.moneyCompact,
    summary: `Component VaR of ${sorted.length} ${what}`,
  });
}

export function renderMetrics(report) {
  const m = report.metrics;
  byId("risk-window").textContent = `${m.n_returns} daily returns from `
    + `${m.first_return_date ?? fmt.MISSING} to ${m.last_return_date ?? fmt.MISSING}; `
    + `confidence ${fmt.pct(m.confidence, 0)}, horizon ${m.horizon_days} day; `
    + `parametric VaR over ${m.var_window_returns} returns of ${m.var_n_securities} `
    + `underlyings (${m.var_n_positions_excluded} positions excluded); quality ${m.quality_flag}.`;
  byId("metrics").replaceChildren(...METRICS.map(([key, label, format, convention]) =>
    el("div", {}, el("dt", {}, label),
      el("dd", { "data-metric": key, "data-value": m[key] ?? "" }, format(m[key])),
      el("dd", { class: "convention" }, report.conventions[convention] ?? ""))));
  componentChart(byId("chart-var-positions"), report.var_components_positions,
    (r) => r.symbol, "positions");
  componentChart(byId("chart-var-tags"), report.var_components_tags,
    (r) => r.tag_name, "tags");
  renderConventions(byId("metrics-conventions"), report.conventions);
  fillTable(byId("var-table"), [
    { label: "Symbol", value: (r) => r.symbol },
    { label: "Delta-adj. exposure", numeric: true,
      value: (r) => fmt.money(r.delta_adjusted_exposure), sign: (r) => r.delta_adjusted_exposure },
    { label: "Marginal VaR ($ per $)", numeric: true, value: (r) => fmt.num(r.marginal_var, 4) },
    { label: "Component VaR", numeric: true, value: (r) => fmt.money(r.component_var),
      sign: (r) => r.component_var },
    { label: "Share of VaR", numeric: true, value: (r) => fmt.pct(r.share_of_var, 1) },
  ], report.var_components_positions, (r) => ({ "data-position-id": r.position_id }));
}
