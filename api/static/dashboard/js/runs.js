// Following a batch run: GET /batch-runs/{id} polled until it ends. (A pushed channel can
// feed the same `onUpdate`; polling stays the fallback for clients without one.)

export const FINAL_STATUSES = new Set(["completed", "failed", "skipped"]);
const POLL_MS = 500;

/** Poll the run every 500 ms; `onUpdate(run)` on each answer; resolves with the final run. */
export function pollRun(api, runId, onUpdate) {
  return new Promise((resolve, reject) => {
    async function tick() {
      try {
        const run = await api.get(`/batch-runs/${encodeURIComponent(runId)}`);
        onUpdate(run);
        if (FINAL_STATUSES.has(run.status)) resolve(run);
        else setTimeout(tick, POLL_MS);
      } catch (error) {
        reject(error);
      }
    }
    tick();
  });
}
