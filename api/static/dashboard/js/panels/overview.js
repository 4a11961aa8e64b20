// Overview: value, P&L daily/MTD/YTD, long/short/gross/net exposure and counts, from
// GET /portfolio; also the always-visible as-of date and price source in the top bar.

import { byId } from "../dom.js";
import * as fmt from "../format.js";

const FORMATS = { money: fmt.money, pnl: fmt.pnl, pct: (v) => fmt.pct(v, 2) };

export function renderOverview(summary) {
  byId("portfolio-name").textContent = summary.name;
  for (const node of document.querySelectorAll("#kpis [data-kpi]")) {
    const value = summary[node.dataset.kpi];
    node.textContent = FORMATS[node.dataset.format](value);
    node.dataset.value = value === null ? "" : String(value);
    node.dataset.side = fmt.side(value);
  }
  for (const node of document.querySelectorAll("#counts [data-count]")) {
    node.textContent = String(summary.counts[node.dataset.count]);
  }
  renderStatusBar(summary);
}

/** As-of date, price sources (synthetic/polygon) and, when the API reports it, stale prices. */
export function renderStatusBar(summary) {
  const asOf = byId("as-of");
  asOf.textContent = summary.as_of;
  asOf.setAttribute("datetime", summary.as_of);
  const source = byId("price-source");
  source.textContent = summary.price_sources.length ? summary.price_sources.join(", ") : "none";
  source.dataset.source = summary.price_sources.join(",");
  const stale = summary.counts.stale_count ?? summary.stale_count;
  byId("stale-box").hidden = stale === undefined;
  if (stale !== undefined) byId("stale-count").textContent = String(stale);
}
