// The dashboard: log in, then load every panel from the public API (/api/v1) in parallel.
// The overview is rendered first and marks the performance timeline
// ("sigmasight:overview-painted") once its figures are on screen.

import * as Api from "./api.js";
import { byId, showProblem } from "./dom.js";
import { LiveChannel } from "./live.js";
import { FINAL_STATUSES } from "./runs.js";
import { FactorsPanel } from "./panels/factors.js";
import { GreeksPanel } from "./panels/greeks.js";
import { renderHistory } from "./panels/history.js";
import { renderMetrics } from "./panels/metrics.js";
import { renderOverview } from "./panels/overview.js";
import { PositionsPanel } from "./panels/positions.js";
import { UploadPanel } from "./panels/upload.js";

const OVERVIEW_MARK = "sigmasight:overview-painted";

const app = {
  session: null, api: null, panels: null, live: null, refreshes: 0,
  pending: null, // a scheduled reload of the panels
  followed: new Set(), // runs this page's upload panel follows (it reloads when they end)
};

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
  app.live?.stop();
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
  const hasBook = session.portfolioId !== null;
  byId("no-book").hidden = hasBook;
  byId("app-view").dataset.book = hasBook ? "yes" : "none";
  if (hasBook) await loadPanels(api, panels);
  app.refreshes += 1;
  document.body.dataset.refreshes = String(app.refreshes);
}

/**
 * Every panel's request starts at once; the overview is rendered as soon as its answer
 * arrives and the other panels only after it has been painted, so their (heavier)
 * rendering never delays the overview's first paint.
 */
async function loadPanels(api, panels) {
  const overview = guarded("overview-problem", "The overview", async () => {
    renderOverview(await api.get("/portfolio"));
    byId("status-bar").hidden = false;
  });
  const painted = overview.then(nextPaint).then(() => {
    if (!performance.getEntriesByName(OVERVIEW_MARK).length) performance.mark(OVERVIEW_MARK);
  });
  const after = (request) => Promise.all([request, painted]).then(([data]) => data);
  const tags = after(api.get("/tags"));
  await Promise.all([
    painted,
    guarded("history-problem", "The history", async () =>
      renderHistory(await after(api.get("/portfolio/snapshots")))),
    guarded("positions-problem", "Positions", async () =>
      panels.positions.setTags(await tags)),
    panels.positions.load(painted),
    panels.greeks.load(painted),
    guarded("factors-problem", "Factors", async () =>
      panels.factors.render(await after(api.get("/risk/factors")))),
    guarded("risk-problem", "Risk metrics", async () =>
      renderMetrics(await after(api.get("/risk/metrics")))),
  ]);
}

app.api = Api.client(() => app.session.token,
  () => showLogin("Your session has expired: log in again."));

/**
 * Coalesce bursts of "data changed" events into one reload of the panels. While one of
 * the user's batch runs is in progress (its marts are half built) the reload is skipped:
 * the run's end reloads them (`runEvent`, or the upload panel that follows it).
 */
function refreshSoon() {
  if (app.pending) return;
  app.pending = setTimeout(async () => {
    app.pending = null;
    if (app.live.runInProgress() || app.followed.size) return;
    await refreshAll();
    announce("Data changed: figures updated.");
  }, 250);
}

/** A run ended: reload, unless this page's upload panel follows it (it reloads itself). */
function runEvent(run) {
  if (FINAL_STATUSES.has(run.status) && !app.followed.has(run.id)) refreshSoon();
}

app.live = new LiveChannel({
  token: () => app.session.token,
  onData: refreshSoon,
  onRun: runEvent,
  onReady: (again) => { if (again) refreshSoon(); }, // events may have been missed
  onRefused: () => showLogin("Your session has expired: log in again."),
});
app.panels = {
  positions: new PositionsPanel(app.api, async () => {
    app.panels.positions.setTags(await app.api.get("/tags"));
    await app.panels.positions.load();
    announce("Tags saved.");
  }),
  greeks: new GreeksPanel(app.api),
  factors: new FactorsPanel(),
  upload: new UploadPanel(app.api, app.live, {
    announce,
    onAccepted: (accepted) => {
      app.followed.add(accepted.batch_run_id);
      app.session.portfolioId = accepted.portfolio_id;
      Api.saveSession(app.session);
    },
    onFinished: async (run) => {
      if (run.status === "completed") {
        await refreshAll();
        announce("Batch completed: figures updated.");
      }
      app.followed.delete(run.id);
    },
  }),
};

function startDashboard(session) {
  app.session = session;
  byId("login-view").hidden = true;
  byId("app-view").hidden = false;
  byId("logout").hidden = false;
  byId("user-name").textContent = session.username;
  byId("status-bar").hidden = false;
  app.live.start();
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
