// History: equity curve, drawdown and exposures over time, from GET /portfolio/snapshots.

import { COLORS, lineChart } from "../charts.js";
import { byId } from "../dom.js";
import * as fmt from "../format.js";

/**
 * Drawdown per snapshot: V_t / max(V_0, ..., V_t) − 1 (≤ 0), where V_0 is the value
 * before the window's first day (its `previous_portfolio_value`, = equity). Its minimum
 * is the maximum drawdown of the compounded daily returns r_t = P&L_t / V_{t−1}.
 */
export function drawdowns(snapshots) {
  let peak = snapshots.length ? snapshots[0].previous_portfolio_value : null;
  return snapshots.map((s) => {
    if (s.portfolio_value === null) return null;
    peak = peak === null ? s.portfolio_value : Math.max(peak, s.portfolio_value);
    return s.portfolio_value / peak - 1;
  });
}

export function renderHistory(history) {
  const rows = history.snapshots;
  const labels = rows.map((s) => s.snapshot_date);
  const first = labels[0];
  const last = labels[labels.length - 1];
  const values = rows.map((s) => s.portfolio_value);
  lineChart(byId("chart-equity"), {
    labels, format: fmt.moneyCompact,
    series: [{ label: "Portfolio value", data: values, color: COLORS.value }],
    summary: `Portfolio value from ${fmt.money(values[0])} on ${first} to `
      + `${fmt.money(values[values.length - 1])} on ${last}`,
  });
  const dd = drawdowns(rows);
  const worst = Math.min(...dd.filter((v) => v !== null));
  lineChart(byId("chart-drawdown"), {
    labels, format: (v) => fmt.pct(v, 1),
    series: [{ label: "Drawdown", data: dd, color: COLORS.drawdown, fill: true }],
    summary: `Drawdown from ${first} to ${last}; worst ${fmt.pct(worst, 2)}`,
  });
  lineChart(byId("chart-exposures"), {
    labels, format: fmt.moneyCompact,
    series: [
      { label: "Long", data: rows.map((s) => s.long_exposure), color: COLORS.long },
      { label: "Short (≤ 0)", data: rows.map((s) => s.short_exposure), color: COLORS.short,
        dash: true },
      { label: "Gross", data: rows.map((s) => s.gross_exposure), color: COLORS.gross },
      { label: "Net", data: rows.map((s) => s.net_exposure), color: COLORS.net },
    ],
    summary: `Long, short, gross and net exposure from ${first} to ${last}`,
  });
}
