// Small DOM helpers: element creation (text only, never innerHTML with data) and tables.

/** `el("td", {class: "num"}, "1.0")`: attributes (null ones skipped) and children. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

/**
 * Fill `table` with a header from `columns` and one row per item of `rows`.
 * A column is {label, value: row => text|Node, numeric?, title?, sign?: row => number}.
 * Numeric cells are right-aligned; `sign` adds a long/short class for colour, the text
 * itself always carries the sign.
 */
export function fillTable(table, columns, rows, rowAttrs = () => ({})) {
  const head = el("thead", {}, el("tr", {}, columns.map((c) =>
    el("th", { scope: "col", class: c.numeric ? "num" : null, title: c.title }, c.label))));
  const body = el("tbody", {}, rows.map((row) => el("tr", rowAttrs(row), columns.map((c) => {
    const signed = c.sign ? c.sign(row) : null;
    const cls = [c.numeric ? "num" : null,
      signed === null || signed === undefined ? null : signed < 0 ? "neg" : "pos"]
      .filter(Boolean).join(" ");
    return el("td", { class: cls || null, "data-col": c.key || null }, c.value(row));
  }))));
  table.replaceChildren(...[...table.querySelectorAll("caption")], head, body);
}

/** Show a problem in a panel's status line (role=alert) or clear it with null. */
export function showProblem(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}

/**
 * Run a panel's `load()`; on failure show "<what> could not be loaded: …" in the panel's
 * problem line (a 401 is left to the session handling, which shows the login).
 */
export async function guarded(problemId, what, load) {
  try {
    await load();
    showProblem(byId(problemId), null);
  } catch (error) {
    if (error.status !== 401) {
      showProblem(byId(problemId), `${what} could not be loaded: ${error.message}`);
    }
  }
}
