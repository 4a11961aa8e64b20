// Following a batch run to its end: pushed events of the live channel when it is
// connected; otherwise (no WebSocket, or while it reconnects) GET /batch-runs/{id} every
// 500 ms — the polling fallback; and one GET whenever the channel says events may have
// been missed (a reconnect, or the server's "resync").

export const FINAL_STATUSES = new Set(["completed", "failed", "skipped"]);
const POLL_MS = 500;

/** `onUpdate(run)` on each new state; resolves with the final run. */
export function followRun(api, live, runId, onUpdate) {
  return new Promise((resolve, reject) => {
    let done = false;
    const stopEvents = live.onRun(runId, (run) => update(run));
    const stopNudges = live.onResync(() => fetchOnce());

    function finish() {
      done = true;
      stopEvents();
      stopNudges();
    }

    function update(run) {
      if (done) return;
      onUpdate(run);
      if (FINAL_STATUSES.has(run.status)) {
        finish();
        resolve(run);
      }
    }

    async function fetchOnce() {
      try {
        update(await api.get(`/batch-runs/${encodeURIComponent(runId)}`));
      } catch (error) {
        if (!done) {
          finish();
          reject(error);
        }
      }
    }

    async function tick() {
      if (done) return;
      if (!live.connected) await fetchOnce();
      setTimeout(tick, POLL_MS);
    }
    tick();
  });
}
