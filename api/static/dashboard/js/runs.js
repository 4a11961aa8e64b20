// Following a batch run to its end: pushed events of the live channel when it is
// connected; otherwise (no WebSocket, or while it reconnects) GET /batch-runs/{id} every
// 500 ms — the polling fallback. A connected channel silent for 10 s is polled too.

export const FINAL_STATUSES = new Set(["completed", "failed", "skipped"]);
const POLL_MS = 500;
const SILENCE_MS = 10000;

/** `onUpdate(run)` on each new state; resolves with the final run. */
export function followRun(api, live, runId, onUpdate) {
  return new Promise((resolve, reject) => {
    let done = false;
    let lastNews = Date.now();
    const unsubscribe = live.onRun(runId, (run) => update(run));

    function update(run) {
      if (done) return;
      lastNews = Date.now();
      onUpdate(run);
      if (FINAL_STATUSES.has(run.status)) {
        done = true;
        unsubscribe();
        resolve(run);
      }
    }

    async function tick() {
      if (done) return;
      if (!live.connected || Date.now() - lastNews > SILENCE_MS) {
        try {
          update(await api.get(`/batch-runs/${encodeURIComponent(runId)}`));
        } catch (error) {
          done = true;
          unsubscribe();
          reject(error);
          return;
        }
      }
      setTimeout(tick, POLL_MS);
    }
    tick();
  });
}
