// Live updates: the WebSocket /api/v1/ws, authenticated by its first message (never the
// URL); reconnects with backoff; remembers the latest state of each batch run it saw so a
// run followed after its first events still gets them. Without a WebSocket (or while it
// is down) `connected` is false and callers poll the API instead.

import { API_PREFIX } from "./api.js";
import { FINAL_STATUSES } from "./runs.js";

const RETRY_MS = [500, 1000, 2000, 5000, 10000];
const CLOSE_UNAUTHORIZED = 4401;

export class LiveChannel {
  /** `token()` → the JWT; `onData(event)` on data_changed; `onRun(run)` on batch_run;
   *  `onReady(again)` on each ready; `onRefused()` when the server refuses the token. */
  constructor({ token, onData, onRun, onReady, onRefused }) {
    Object.assign(this, { token, onData, onRunEvent: onRun, onReady, onRefused });
    this.socket = null;
    this.connected = false;
    this.readyCount = 0;
    this.attempt = 0;
    this.runs = new Map();
    this.runListeners = new Map();
    this.nudges = new Set();
    this.stopped = true;
  }

  start() {
    if (!("WebSocket" in window) || typeof window.WebSocket !== "function") {
      this.setState("unavailable");
      return;
    }
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    if (this.socket) this.socket.close(1000, "bye");
  }

  setState(state) {
    this.connected = state === "live";
    document.body.dataset.live = state;
    const badge = document.getElementById("live-state");
    badge.textContent = { live: "live", connecting: "connecting…", unavailable: "polling",
      offline: "polling (reconnecting)", refused: "off" }[state];
    badge.dataset.state = state;
  }

  open() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${window.location.host}${API_PREFIX}/ws`);
    this.socket = socket;
    this.setState("connecting");
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "auth", token: this.token() }));
    });
    socket.addEventListener("message", (message) => this.receive(JSON.parse(message.data)));
    socket.addEventListener("close", (event) => {
      this.connected = false;
      if (this.stopped) return;
      if (event.code === CLOSE_UNAUTHORIZED) {
        this.setState("refused");
        this.onRefused();
        return;
      }
      this.setState("offline");
      const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
      this.attempt += 1;
      setTimeout(() => { if (!this.stopped) this.open(); }, delay);
    });
  }

  receive(event) {
    if (event.type === "ready") {
      this.attempt = 0;
      this.setState("live");
      this.readyCount += 1;
      if (this.readyCount > 1) this.resync();
      this.onReady(this.readyCount > 1);
    } else if (event.type === "batch_run") {
      this.runs.set(event.run.id, event.run);
      for (const listener of this.runListeners.get(event.run.id) ?? []) listener(event.run);
      this.onRunEvent(event.run);
    } else if (event.type === "data_changed") {
      this.onData(event);
    } else if (event.type === "resync") {
      this.resync();
      this.onData(event);
    }
  }

  /** Events may have been missed: forget the run states seen, nudge every follower. */
  resync() {
    this.runs.clear();
    for (const nudge of this.nudges) nudge();
  }

  /** Call `nudge()` whenever events may have been missed; returns the unsubscriber. */
  onResync(nudge) {
    this.nudges.add(nudge);
    return () => this.nudges.delete(nudge);
  }

  /** Whether a run of this user is queued or running (as last seen). */
  runInProgress() {
    return [...this.runs.values()].some((run) => !FINAL_STATUSES.has(run.status));
  }

  /** Call `listener(run)` on each event of run `runId` (at once with the latest seen). */
  onRun(runId, listener) {
    const listeners = this.runListeners.get(runId) ?? new Set();
    listeners.add(listener);
    this.runListeners.set(runId, listeners);
    if (this.runs.has(runId)) listener(this.runs.get(runId));
    return () => listeners.delete(listener);
  }
}
