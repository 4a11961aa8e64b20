// Greeks by view (portfolio | longs | shorts) from GET /risk/greeks: totals, dollar delta
// by underlying, and one row per position with the Black–Scholes inputs used.

import { barChart } from "../charts.js";
import { byId, el, fillTable, showProblem } from "../dom.js";
import * as fmt from "../format.js";
import { renderConventions } from "./conventions.js";

const TOTALS = [
  ["dollar_delta", "Dollar delta (Δ·S, $)", fmt.money],
  ["delta", "Delta (shares-equivalent)", (v) => fmt.num(v, 1)],
  ["gamma", "Gamma (per $1 of S)", (v) => fmt.num(v, 2)],
  ["theta", "Theta ($ per calendar day)", fmt.pnl],
  ["vega", "Vega ($ per vol point)", fmt.pnl],
  ["rho", "Rho ($ per rate point)", fmt.pnl],
  ["n_positions", "Positions", String],
  ["n_fallback", "Fallback rows", String],
];

/** Σ dollar delta per underlying, largest absolute first. */
export function dollarDeltaByUnderlying(positions) {
  const sums = new Map();
  for (const p of positions) {
    sums.set(p.underlying_symbol, (sums.get(p.underlying_symbol) ?? 0) + (p.dollar_delta ?? 0));
  }
  return [...sums.entries()].sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
}

export class GreeksPanel {
  constructor(api) {
    this.api = api;
    byId("greeks-view").addEventListener("change", () => this.load());
  }

  /** Fetch the chosen view; render once `gate` (e.g. the overview's paint) resolved. */
  async load(gate = null) {
    const problem = byId("greeks-problem");
    try {
      const report = await this.api.get("/risk/greeks", { view: byId("greeks-view").value });
      await gate;
      showProblem(problem, null);
      this.render(report);
    } catch (error) {
      showProblem(problem, `Greeks could not be loaded: ${error.message}`);
    }
  }

  render(report) {
    byId("greeks-totals").replaceChildren(...TOTALS.map(([key, label, format]) =>
      el("div", {}, el("dt", {}, label),
        el("dd", { "data-greek": key, "data-value": report.totals[key] },
          format(report.totals[key])))));
    const pairs = dollarDeltaByUnderlying(report.positions);
    barChart(byId("chart-greeks"), {
      labels: pairs.map(([u]) => u), values: pairs.map(([, v]) => v), label: "Dollar delta",
      format: fmt.moneyCompact,
      summary: `Dollar delta of ${pairs.length} underlyings, ${report.view} view; total `
        + `${fmt.money(report.totals.dollar_delta)}`,
    });
    renderConventions(byId("greeks-conventions"), report.conventions);
    fillTable(byId("greeks-table"), [
      { label: "Symbol", value: (p) => p.symbol },
      { label: "Type", value: (p) => p.position_type },
      { label: "Qty", numeric: true, value: (p) => fmt.num(p.quantity, 0), sign: (p) => p.quantity },
      { label: "S", numeric: true, value: (p) => fmt.num(p.spot, 2), title: "underlying close" },
      { label: "K", numeric: true, value: (p) => fmt.num(p.strike, 2) },
      { label: "Expiry", value: (p) => p.expiry_date ?? fmt.MISSING },
      { label: "Days", numeric: true, value: (p) => p.days_to_expiry ?? fmt.MISSING },
      { label: "σ", numeric: true, value: (p) => fmt.pct(p.volatility, 1), title: "annualised" },
      { label: "r", numeric: true, value: (p) => fmt.pct(p.rate, 2) },
      { label: "Delta", numeric: true, value: (p) => fmt.num(p.delta, 1), sign: (p) => p.delta },
      { label: "Gamma", numeric: true, value: (p) => fmt.num(p.gamma, 3) },
      { label: "Theta $/day", numeric: true, value: (p) => fmt.num(p.theta, 2) },
      { label: "Vega $/pt", numeric: true, value: (p) => fmt.num(p.vega, 2) },
      { label: "Rho $/pt", numeric: true, value: (p) => fmt.num(p.rho, 2) },
      { label: "Dollar delta", numeric: true, value: (p) => fmt.money(p.dollar_delta),
        sign: (p) => p.dollar_delta },
      { label: "Source", value: (p) => p.greeks_source + (p.fallback_reason
        ? ` (${p.fallback_reason})` : "") },
    ], report.positions, (p) => ({ "data-position-id": p.position_id }));
    byId("greeks-table").dataset.view = report.view;
  }
}
