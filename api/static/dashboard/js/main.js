// The dashboard: log in, then load the panels from the public API (/api/v1). The overview
// needs only this module, api.js, dom.js and the overview panel: its request starts
// before the other panels' modules (details.js) and Chart.js are loaded, it is rendered
// first, and the performance timeline is marked ("sigmasight:overview-painted") once it
// is on screen; the other panels render after that.

import * as Api from "./api.js";
import { byId, guarded, showProblem } from "./dom.js";
import { renderOverview } from "./panels/overview.js";

const OVERVIEW_MARK = "sigmasight:overview-painted";

const app = { session: null, api: null, details: null, refreshes: 0 };

// Chart.js is a deferred script after this module: it has run by DOMContentLoaded
const chartsReady = new Promise((resolve) => {
  if (window.Chart) resolve();
  else document.addEventListener("DOMContentLoaded", resolve, { once: true });
});

function announce(message) {
  byId("announcer").textContent = message;
}

/** Resolves once the current frame has been painted (the second animation frame). */
function nextPaint() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => requestAnimationFrame(resolve));
  });
}

function showLogin(message) {
  Api.clearSession();
  app.details?.then((details) => details.live.stop());
  app.session = null;
  byId("app-view").hidden = true;
  byId("status-bar").hidden = true;
  byId("logout").hidden = true;
  byId("login-view").hidden = false;
  showProblem(byId("login-error"), message || null);
  byId("login-username").focus();
}

const expired = () => showLogin("Your session has expired: log in again.");

app.api = Api.client(() => app.session.token, expired);

/** The other panels and the live channel (details.js), imported on first use. */
function details() {
  app.details ??= import("./details.js").then((module) => module.createDetails({
    api: app.api, announce, expired, refreshAll, session: () => app.session,
    bookUploaded: (portfolioId) => {
      app.session.portfolioId = portfolioId;
      Api.saveSession(app.session);
    },
  }));
  return app.details;
}

/** Reload every panel from the API (after login, an upload, or a data-changed event). */
async function refreshAll() {
  const hasBook = app.session.portfolioId !== null;
  byId("no-book").hidden = hasBook;
  byId("app-view").dataset.book = hasBook ? "yes" : "none";
  if (hasBook) {
    const overview = guarded("overview-problem", "The overview", async () =>
      renderOverview(await app.api.get("/portfolio")));
    const painted = overview.then(nextPaint).then(() => {
      if (!performance.getEntriesByName(OVERVIEW_MARK).length) performance.mark(OVERVIEW_MARK);
    });
    const ready = Promise.all([painted, chartsReady]);
    await Promise.all([painted, details().then((d) => d.loadPanels(ready))]);
  }
  app.refreshes += 1;
  document.body.dataset.refreshes = String(app.refreshes);
}

function startDashboard(session) {
  app.session = session;
  byId("login-view").hidden = true;
  byId("app-view").hidden = false;
  byId("logout").hidden = false;
  byId("status-bar").hidden = false;
  byId("user-name").textContent = session.username;
  const loaded = refreshAll();
  details().then((d) => d.live.start());
  return loaded;
}

byId("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const username = byId("login-username").value.trim();
  try {
    const session = await Api.login(username, byId("login-password").value);
    Api.saveSession(session);
    byId("login-password").value = "";
    await startDashboard(session);
    byId("main").focus();
  } catch (error) {
    showProblem(byId("login-error"), error.message);
  }
});

byId("logout").addEventListener("click", () => {
  Api.clearSession();
  window.location.reload();
});

const saved = Api.loadSession();
if (saved) startDashboard(saved);
else showLogin();
