// Upload a positions CSV from the page (POST /portfolio/upload): a rejected file lists
// its problems by row and column; an accepted one shows its backfill run's progress.

import { byId, fillTable, showProblem } from "../dom.js";
import { followRun } from "../runs.js";

export class UploadPanel {
  /** `onAccepted(upload)` after a 202; `onFinished(run)` when its run ends; the run is
   *  followed over `live` (WebSocket) or by polling. */
  constructor(api, live, { onAccepted, onFinished, announce }) {
    this.api = api;
    this.live = live;
    this.onAccepted = onAccepted;
    this.onFinished = onFinished;
    this.announce = announce;
    byId("upload-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  async submit() {
    const form = new FormData();
    const file = byId("upload-file").files[0];
    if (!file) return;
    form.append("file", file, file.name);
    const equity = byId("upload-equity").value;
    if (equity) form.append("equity", equity);
    byId("upload-errors").hidden = true;
    try {
      const accepted = await this.api.upload("/portfolio/upload", form);
      this.onAccepted(accepted);
      this.follow(accepted.batch_run_id);
    } catch (error) {
      this.showErrors(error);
    }
  }

  showErrors(error) {
    byId("upload-errors").hidden = false;
    byId("upload-error-message").textContent = `Rejected (${error.status}): ${error.message}`;
    const rows = Array.isArray(error.details) ? error.details : [];
    const table = byId("upload-error-table");
    table.hidden = rows.length === 0;
    fillTable(table, [
      { key: "row", label: "Row", numeric: true, value: (p) => p.row ?? "—" },
      { key: "column", label: "Column", value: (p) => p.column ?? "—" },
      { key: "message", label: "Problem", value: (p) => p.message ?? p.msg ?? "" },
    ], rows);
    this.announce(`Upload rejected: ${rows.length} problem(s) listed.`);
  }

  async follow(runId) {
    byId("upload-progress-box").hidden = false;
    const status = byId("upload-status");
    this.showProgress({ progress: 0, status: "queued", message: null });
    try {
      const run = await followRun(this.api, this.live, runId, (r) => this.showProgress(r));
      await this.onFinished(run);
      if (run.status === "completed") status.textContent += " Figures updated.";
    } catch (error) {
      showProblem(status, `Progress unavailable: ${error.message}`);
    }
  }

  showProgress(run) {
    const percent = Math.round((run.progress ?? 0) * 100);
    const bar = byId("upload-progress");
    bar.value = percent;
    bar.setAttribute("aria-valuetext", `${percent} %`);
    byId("upload-percent").textContent = `${percent} %`;
    byId("upload-status").textContent = `Batch run ${run.status}`
      + (run.message ? `: ${run.message}` : "") + (run.error ? ` — ${run.error}` : "") + ".";
    byId("upload-progress-box").dataset.status = run.status;
  }
}
