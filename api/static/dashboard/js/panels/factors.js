// Factor exposures from GET /risk/factors: portfolio exposure per factor (chart + table)
// and per-position β with SE, t, R², n_obs and the quality flag, one factor at a time.

import { barChart } from "../charts.js";
import { byId, el, fillTable } from "../dom.js";
import * as fmt from "../format.js";
import { renderConventions } from "./conventions.js";

export class FactorsPanel {
  constructor() {
    this.report = null;
    byId("beta-factor").addEventListener("change", () => this.renderBetas());
  }

  render(report) {
    this.report = report;
    const factors = report.factors;
    barChart(byId("chart-factors"), {
      labels: factors.map((f) => `${f.factor} (${f.factor_name})`),
      values: factors.map((f) => f.exposure ?? 0), label: "Exposure",
      format: (v) => fmt.pct(v, 1),
      summary: `Exposure to ${factors.length} factors as a fraction of equity`,
    });
    fillTable(byId("factors-table"), [
      { label: "Factor", value: (f) => `${f.factor} (${f.factor_name})` },
      { label: "Exposure (of equity)", numeric: true, value: (f) => fmt.pct(f.exposure, 2),
        sign: (f) => f.exposure },
      { label: "Dollar exposure", numeric: true, value: (f) => fmt.money(f.dollar_exposure),
        sign: (f) => f.dollar_exposure },
      { label: "Positions", numeric: true, value: (f) => String(f.n_positions) },
      { label: "Excluded", numeric: true, value: (f) => String(f.n_positions_excluded),
        title: "positions with a NULL β or short interest" },
    ], factors, (f) => ({ "data-factor": f.factor }));
    const select = byId("beta-factor");
    const chosen = select.value || factors[0]?.factor;
    select.replaceChildren(...factors.map((f) => el("option", { value: f.factor,
      selected: f.factor === chosen }, `${f.factor} (${f.factor_name})`)));
    renderConventions(byId("factors-conventions"), report.conventions);
    this.renderBetas();
  }

  renderBetas() {
    const factor = byId("beta-factor").value;
    const rows = this.report.positions.filter((p) => p.factor === factor);
    fillTable(byId("betas-table"), [
      { label: "Symbol", value: (p) => p.symbol },
      { label: "β", numeric: true, value: (p) => fmt.num(p.beta, 3), sign: (p) => p.beta },
      { label: "SE", numeric: true, value: (p) => fmt.num(p.std_error, 3) },
      { label: "t", numeric: true, value: (p) => fmt.num(p.t_stat, 2) },
      { label: "R²", numeric: true, value: (p) => fmt.num(p.r_squared, 3) },
      { label: "n obs", numeric: true, value: (p) => p.n_obs ?? fmt.MISSING },
      { label: "Quality", value: (p) => p.quality_flag ?? fmt.MISSING },
      { label: "Delta-adj. exposure", numeric: true,
        value: (p) => fmt.money(p.delta_adjusted_exposure), sign: (p) => p.delta_adjusted_exposure },
      { label: "Dollar exposure", numeric: true, value: (p) => fmt.money(p.dollar_exposure),
        sign: (p) => p.dollar_exposure },
    ], rows, (p) => ({ "data-position-id": p.position_id }));
  }
}
