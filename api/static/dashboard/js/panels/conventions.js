// The `conventions` object every risk response carries, shown as a definition list.

import { el } from "../dom.js";

export function renderConventions(list, conventions) {
  list.replaceChildren(...Object.entries(conventions).flatMap(([name, text]) => [
    el("dt", {}, name.replaceAll("_", " ")), el("dd", {}, text)]));
}
