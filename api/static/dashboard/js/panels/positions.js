// Positions: the API's filters (tags + tagMode, type), grouping (type | tag), paging and
// tag editing (PUT /positions/{id}/tags; new tags through POST /tags).

import { byId, el, fillTable, showProblem } from "../dom.js";
import * as fmt from "../format.js";

const TYPES = ["LONG", "SHORT", "LC", "LP", "SC", "SP"];
const TYPE_NAMES = { LONG: "long stock", SHORT: "short stock", LC: "long call",
  LP: "long put", SC: "short call", SP: "short put" };
const LIMIT = 100;

export class PositionsPanel {
  constructor(api, onTagsChanged) {
    this.api = api;
    this.onTagsChanged = onTagsChanged;
    this.offset = 0;
    this.tags = [];
    byId("filter-types").replaceChildren(...TYPES.map((type) => el("label", {},
      el("input", { type: "checkbox", name: "type", value: type }), ` ${type}`)));
    byId("position-filters").addEventListener("change", () => { this.offset = 0; this.load(); });
    byId("page-prev").addEventListener("click", () => this.page(-1));
    byId("page-next").addEventListener("click", () => this.page(1));
  }

  setTags(tags) {
    this.tags = tags;
    const checked = new Set(this.checkedValues("tag"));
    byId("filter-tags").replaceChildren(...tags.map((tag) => el("label", {},
      el("input", { type: "checkbox", name: "tag", value: tag.name,
        checked: checked.has(tag.name) }), ` ${tag.name} (${tag.position_count})`)));
  }

  checkedValues(name) {
    return [...document.querySelectorAll(`#position-filters input[name=${name}]:checked`)]
      .map((input) => input.value);
  }

  params() {
    const form = byId("position-filters");
    return {
      tags: this.checkedValues("tag").join(","), type: this.checkedValues("type").join(","),
      tagMode: form.querySelector("input[name=tagMode]:checked").value,
      groupBy: byId("group-by").value, limit: LIMIT, offset: this.offset,
    };
  }

  page(step) {
    this.offset = Math.max(0, this.offset + step * LIMIT);
    this.load();
  }

  /** Fetch the filtered page; render once `gate` (e.g. the overview's paint) resolved. */
  async load(gate = null) {
    const problem = byId("positions-problem");
    try {
      const params = this.params();
      const request = (this.requests = (this.requests ?? 0) + 1);
      const page = await this.api.get("/positions", params);
      await gate;
      if (request !== this.requests) return; // a newer filter's answer wins
      showProblem(problem, null);
      this.render(page);
      byId("positions-table").dataset.query = new URLSearchParams(params).toString();
    } catch (error) {
      showProblem(problem, `Positions could not be loaded: ${error.message}`);
    }
  }

  render(page) {
    const t = page.totals;
    byId("positions-summary").textContent = `${page.total} positions match: market value `
      + `${fmt.money(t.market_value)}, net exposure ${fmt.money(t.exposure)}, unrealized P&L `
      + `${fmt.pnl(t.unrealized_pnl)}, daily P&L ${fmt.pnl(t.daily_pnl)}.`;
    const shown = page.items.length;
    byId("page-info").textContent = shown
      ? `${page.offset + 1}–${page.offset + shown} of ${page.total}` : "none";
    byId("page-prev").disabled = page.offset === 0;
    byId("page-next").disabled = page.offset + shown >= page.total;
    fillTable(byId("positions-table"), this.columns(), page.items,
      (p) => ({ "data-position-id": p.position_id, "data-symbol": p.symbol }));
    const groups = byId("groups-table");
    groups.hidden = !page.groups;
    if (page.groups) {
      fillTable(groups, [
        { label: page.group_by === "tag" ? "Tag" : "Type", value: (g) => g.key ?? "untagged" },
        { label: "Count", numeric: true, value: (g) => String(g.count) },
        { label: "Market value", numeric: true, value: (g) => fmt.money(g.market_value) },
        { label: "Exposure", numeric: true, value: (g) => fmt.money(g.exposure),
          sign: (g) => g.exposure },
        { label: "Unrealized P&L", numeric: true, value: (g) => fmt.pnl(g.unrealized_pnl),
          sign: (g) => g.unrealized_pnl },
        { label: "Daily P&L", numeric: true, value: (g) => fmt.pnl(g.daily_pnl),
          sign: (g) => g.daily_pnl },
      ], page.groups, (g) => ({ "data-group": g.key ?? "" }));
    }
  }

  columns() {
    return [
      { key: "symbol", label: "Symbol", value: (p) => p.symbol },
      { key: "type", label: "Type", title: "LONG/SHORT stock, LC/LP/SC/SP options",
        value: (p) => el("span", { class: `type ${p.quantity < 0 ? "short" : "long"}`,
          title: TYPE_NAMES[p.position_type] }, p.position_type) },
      { key: "quantity", label: "Quantity", numeric: true, value: (p) => fmt.num(p.quantity, 0),
        sign: (p) => p.quantity },
      { key: "price", label: "Price", numeric: true, value: (p) => fmt.money(p.price, true) },
      { key: "market_value", label: "Market value", numeric: true,
        value: (p) => fmt.money(p.market_value) },
      { key: "exposure", label: "Exposure", numeric: true, value: (p) => fmt.money(p.exposure),
        sign: (p) => p.exposure },
      { key: "unrealized_pnl", label: "Unrealized P&L", numeric: true,
        value: (p) => fmt.pnl(p.unrealized_pnl), sign: (p) => p.unrealized_pnl },
      { key: "daily_pnl", label: "Daily P&L", numeric: true, value: (p) => fmt.pnl(p.daily_pnl),
        sign: (p) => p.daily_pnl },
      { key: "sector", label: "Sector", value: (p) => p.sector ?? fmt.MISSING },
      { key: "tags", label: "Tags", value: (p) => el("span", { class: "tags" },
        p.tags.map((tag) => el("span", { class: "chip" }, tag.name)),
        el("button", { type: "button", class: "small",
          "aria-label": `Edit tags of ${p.symbol}`, onclick: () => this.editTags(p) },
        "Edit")) },
    ];
  }

  editTags(position) {
    const current = new Set(position.tags.map((tag) => tag.id));
    const error = el("p", { class: "problem", role: "alert", hidden: true });
    const boxes = el("div", { class: "checks" }, this.tags.map((tag) => el("label", {},
      el("input", { type: "checkbox", name: "edit-tag", value: tag.id,
        checked: current.has(tag.id) }), ` ${tag.name}`)));
    const newName = el("input", { id: "new-tag-name", maxlength: 50, autocomplete: "off" });
    const dialog = el("dialog", { "aria-labelledby": "tag-dialog-title", class: "card" },
      el("h3", { id: "tag-dialog-title" }, `Tags of ${position.symbol}`),
      el("form", { method: "dialog", onsubmit: (event) => {
        event.preventDefault();
        this.saveTags(position, boxes, newName.value.trim(), error, dialog);
      } },
      el("fieldset", {}, el("legend", {}, "Tags"), boxes),
      el("label", { for: "new-tag-name" }, "New tag (optional)"), newName,
      error,
      el("div", { class: "inline" },
        el("button", { type: "submit" }, "Save tags"),
        el("button", { type: "button", onclick: () => dialog.close() }, "Cancel"))));
    dialog.addEventListener("close", () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  async saveTags(position, boxes, newName, error, dialog) {
    try {
      const ids = [...boxes.querySelectorAll("input:checked")].map((input) => Number(input.value));
      if (newName) {
        const existing = this.tags.find((tag) => tag.name === newName.toLowerCase());
        ids.push(existing ? existing.id : (await this.api.post("/tags", { name: newName })).id);
      }
      await this.api.put(`/positions/${position.position_id}/tags`,
        { tag_ids: [...new Set(ids)] });
      dialog.close();
      await this.onTagsChanged();
    } catch (problem) {
      showProblem(error, problem.message);
    }
  }
}
