// Risk depth: exposure per sector / industry / asset type / tag (GET /risk/exposures) and
// ad-hoc factor stress tests (POST /risk/stress: factor shocks, full option revaluation).

import { barChart } from "../charts.js";
import { byId, el, fillTable, showProblem } from "../dom.js";
import * as fmt from "../format.js";

const FACTORS = ["SPY", "MTUM", "VTV", "VUG", "QUAL", "IWM", "SPLV"];

export class ExposuresPanel {
  constructor(api) {
    this.api = api;
    byId("exposure-by").addEventListener("change", () => this.load());
  }

  async load(gate = null) {
    const problem = byId("exposures-problem");
    try {
      const report = await this.api.get("/risk/exposures", { by: byId("exposure-by").value });
      await gate;
      showProblem(problem, null);
      this.render(report);
    } catch (error) {
      showProblem(problem, `Exposures could not be loaded: ${error.message}`);
    }
  }

  render(report) {
    barChart(byId("chart-exposure-groups"), {
      labels: report.groups.map((g) => g.group_name), values: report.groups.map((g) =>
        g.net_exposure), label: "Net exposure", format: fmt.moneyCompact,
      summary: `Net exposure of ${report.groups.length} groups by ${report.by}`,
    });
    fillTable(byId("exposures-table"), [
      { label: "Group", value: (g) => g.group_name },
      { label: "Long", numeric: true, value: (g) => fmt.money(g.long_exposure) },
      { label: "Short (≤ 0)", numeric: true, value: (g) => fmt.money(g.short_exposure),
        sign: (g) => g.short_exposure },
      { label: "Gross", numeric: true, value: (g) => fmt.money(g.gross_exposure) },
      { label: "Net", numeric: true, value: (g) => fmt.money(g.net_exposure),
        sign: (g) => g.net_exposure },
      { label: "Net of equity", numeric: true, value: (g) => fmt.pct(g.net_of_equity, 1) },
      { label: "Positions", numeric: true, value: (g) => String(g.position_count) },
    ], report.groups, (g) => ({ "data-group": g.group_name }));
    byId("exposures-table").dataset.by = report.by;
  }
}

export class StressPanel {
  constructor(api) {
    this.api = api;
    byId("stress-shocks").replaceChildren(...FACTORS.map((factor) => el("label", {},
      `${factor} move (%) `, el("input", { type: "number", step: "any", name: factor,
        inputmode: "decimal", value: factor === "SPY" ? "-10" : "" }))));
    byId("stress-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.run();
    });
  }

  request() {
    const shocks = {};
    for (const input of byId("stress-shocks").querySelectorAll("input")) {
      if (input.value !== "") shocks[input.name] = Number(input.value) / 100;
    }
    return { shocks, vol_shift: Number(byId("stress-vol").value || 0) / 100 };
  }

  async run() {
    const problem = byId("stress-problem");
    try {
      const report = await this.api.post("/risk/stress", this.request());
      showProblem(problem, null);
      this.render(report);
    } catch (error) {
      const details = Array.isArray(error.details)
        ? `: ${error.details.map((d) => d.msg).join("; ")}` : "";
      showProblem(problem, `Stress test refused: ${error.message}${details}`);
    }
  }

  render(report) {
    const total = report.total ?? {};
    const result = byId("stress-total");
    result.textContent = `Stressed P&L ${fmt.pnl(total.pnl)} (${fmt.pct(total.pnl_fraction, 2)}`
      + ` of equity) over ${total.n_positions ?? 0} positions, ${total.n_excluded ?? 0} `
      + "excluded.";
    result.dataset.value = total.pnl ?? "";
    barChart(byId("chart-stress-sectors"), {
      labels: report.by_sector.map((g) => g.group_name),
      values: report.by_sector.map((g) => g.pnl ?? 0), label: "Stressed P&L",
      format: fmt.moneyCompact, summary: `Stressed P&L of ${report.by_sector.length} sectors`,
    });
    fillTable(byId("stress-moves"), [
      { label: "Factor", value: (m) => m.factor },
      { label: "Move", numeric: true, value: (m) => fmt.pct(m.move, 2), sign: (m) => m.move },
      { label: "Given", value: (m) => (m.shocked ? "shocked" : "implied") },
    ], report.factor_moves, (m) => ({ "data-factor": m.factor }));
  }
}
