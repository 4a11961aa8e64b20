// The dashboard: log in, then load every panel from the public API (/api/v1) in parallel.
// The overview is rendered first and marks the performance timeline
// ("sigmasight:overview-painted") once its figures are on screen.

import * as Api from "./api.js";
import { byId, showProblem } from "./dom.js";
import { FactorsPanel } from "./panels/factors.js";
import { GreeksPanel } from "./panels/greeks.js";
import { renderHistory } from "./panels/history.js";
import { renderMetrics } from "./panels/metrics.js";
import { renderOverview } from "./panels/overview.js";
import { PositionsPanel } from "./panels/positions.js";
import { UploadPanel } from "./panels/upload.js";

const OVERVIEW_MARK = "sigmasight:overview-painted";

const app = { session: null, api: null, panels: null, refreshes: 0 };


function announce(message) {
  byId("announcer").textContent = message;
}

function afterPaint(callback) {
  requestAnimationFrame(() => requestAnimationFrame(callback));
}

function showLogin(message) {
  Api.clearSession();
  app.session = null;
  byId("app-view").hidden = true;
  byId("status-bar").hidden = true;
  byId("logout").hidden = true;
  byId("login-view").hidden = false;
  showProblem(byId("login-error"), message || null);
  byId("login-username").focus();
}

async function guarded(problemId, what, load) {
  try {
    await load();
    showProblem(byId(problemId), null);
  } catch (error) {
    if (error.status !== 401) {
      showProblem(byId(problemId), `${what} could not be loaded: ${error.message}`);
    }
  }
}

/** Reload every panel from the API (after login, an upload, or a data-changed event). */
async function refreshAll() {
  const { api, panels, session } = app;
  byId("no-book").hidden = session.portfolioId !== null;
  if (session.portfolioId === null) return;
  const first = app.refreshes === 0;
  const tags = api.get("/tags").then((list) => panels.positions.setTags(list));
  await Promise.all([
    guarded("overview-problem", "The overview", async () => {
      renderOverview(await api.get("/portfolio"));
      byId("status-bar").hidden = false;
      if (first) afterPaint(() => performance.mark(OVERVIEW_MARK));
    }),
    guarded("history-problem", "The history", async () =>
      renderHistory(await api.get("/portfolio/snapshots"))),
    guarded("positions-problem", "Positions", async () => {
      await tags;
      await panels.positions.load();
    }),
    panels.greeks.load(),
    guarded("factors-problem", "Factors", async () =>
      panels.factors.render(await api.get("/risk/factors"))),
    guarded("risk-problem", "Risk metrics", async () =>
      renderMetrics(await api.get("/risk/metrics"))),
  ]);
  app.refreshes += 1;
  document.body.dataset.refreshes = String(app.refreshes);
}

app.api = Api.client(() => app.session.token,
  () => showLogin("Your session has expired: log in again."));
app.panels = {
  positions: new PositionsPanel(app.api, async () => {
    app.panels.positions.setTags(await app.api.get("/tags"));
    await app.panels.positions.load();
    announce("Tags saved.");
  }),
  greeks: new GreeksPanel(app.api),
  factors: new FactorsPanel(),
  upload: new UploadPanel(app.api, {
    announce,
    onAccepted: (accepted) => {
      app.session.portfolioId = accepted.portfolio_id;
      Api.saveSession(app.session);
    },
    onFinished: async (run) => {
      if (run.status === "completed") {
        await refreshAll();
        announce("Batch completed: figures updated.");
      }
    },
  }),
};

function startDashboard(session) {
  app.session = session;
  byId("login-view").hidden = true;
  byId("app-view").hidden = false;
  byId("logout").hidden = false;
  byId("user-name").textContent = session.username;
  byId("status-bar").hidden = session.portfolioId === null;
  return refreshAll();
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
