// Everything below the overview — the other panels and the live channel — loaded by
// main.js after the overview's request has started, so the overview's first paint waits
// for none of these modules (nor for Chart.js).

import { byId, guarded } from "./dom.js";
import { LiveChannel } from "./live.js";
import { FactorsPanel } from "./panels/factors.js";
import { ExposuresPanel, StressPanel } from "./panels/depth.js";
import { GreeksPanel } from "./panels/greeks.js";
import { renderHistory } from "./panels/history.js";
import { renderMetrics } from "./panels/metrics.js";
import { PositionsPanel } from "./panels/positions.js";
import { UploadPanel } from "./panels/upload.js";
import { FINAL_STATUSES } from "./runs.js";

/**
 * The panels and the live channel. `app`: {api, session(), refreshAll(), announce(text),
 * expired()} from main.js.
 */
export function createDetails(app) {
  const { api, announce } = app;
  let pending = null; // a scheduled reload of the panels
  const followed = new Set(); // runs this page's upload panel follows (it reloads itself)

  /**
   * Coalesce bursts of "data changed" events into one reload of the panels. While one of
   * the user's batch runs is in progress (its marts are half built) the reload is
   * skipped: the run's end reloads them (`runEvent`, or the upload panel following it).
   */
  function refreshSoon() {
    if (pending) return;
    pending = setTimeout(async () => {
      pending = null;
      if (live.runInProgress() || followed.size) return;
      await app.refreshAll();
      announce("Data changed: figures updated.");
    }, 250);
  }

  /** A run ended: reload, unless this page's upload panel follows it. */
  function runEvent(run) {
    if (FINAL_STATUSES.has(run.status) && !followed.has(run.id)) refreshSoon();
  }

  const live = new LiveChannel({
    token: () => app.session().token,
    onData: refreshSoon,
    onRun: runEvent,
    onReady: (again) => { if (again) refreshSoon(); }, // events may have been missed
    onRefused: app.expired,
  });
  const positions = new PositionsPanel(api, async () => {
    positions.setTags(await api.get("/tags"));
    await positions.load();
    announce("Tags saved.");
  });
  const greeks = new GreeksPanel(api);
  const factors = new FactorsPanel();
  const exposures = new ExposuresPanel(api);
  new StressPanel(api); // runs on its form's submit
  const upload = new UploadPanel(api, live, {
    announce,
    onAccepted: (accepted) => {
      followed.add(accepted.batch_run_id);
      app.bookUploaded(accepted.portfolio_id);
    },
    onFinished: async (run) => {
      if (run.status === "completed") {
        await app.refreshAll();
        announce("Batch completed: figures updated.");
      }
      followed.delete(run.id);
    },
  });

  /** Load every panel but the overview; each renders only once `painted` resolved (the
   *  overview is on screen and Chart.js has run). */
  function loadPanels(painted) {
    const after = (request) => Promise.all([request, painted]).then(([data]) => data);
    return Promise.all([
      guarded("history-problem", "The history", async () =>
        renderHistory(await after(api.get("/portfolio/snapshots")))),
      guarded("positions-problem", "Positions", async () =>
        positions.setTags(await after(api.get("/tags")))),
      positions.load(painted),
      greeks.load(painted),
      exposures.load(painted),
      guarded("factors-problem", "Factors", async () =>
        factors.render(await after(api.get("/risk/factors")))),
      guarded("risk-problem", "Risk metrics", async () =>
        renderMetrics(await after(api.get("/risk/metrics")))),
    ]);
  }

  return { live, upload, loadPanels };
}
