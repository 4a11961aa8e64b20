// The dashboard's only way to data: the public JSON API under /api/v1.
// Success bodies are envelopes {success, data, message}; errors {success, error}.

export const API_PREFIX = "/api/v1";
const SESSION_KEY = "sigmasight.session";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The stored session {token, username, portfolioId, expiresAt} or null when none/expired. */
export function loadSession() {
  const text = sessionStorage.getItem(SESSION_KEY);
  if (!text) return null;
  const session = JSON.parse(text);
  if (!session.token || Date.now() >= session.expiresAt) {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
  return session;
}

export function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = body && body.error ? body.error : {};
  return new ApiError(response.status, error.code || "http_error",
    error.message || `${response.status} ${response.statusText}`, error.details ?? null);
}

/** POST /auth/login → the new session (answered bare, not enveloped). */
export async function login(username, password) {
  const response = await fetch(`${API_PREFIX}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await errorOf(response);
  const body = await response.json();
  return {
    token: body.token, username, portfolioId: body.portfolio_id,
    expiresAt: Date.now() + body.expires_in * 1000,
  };
}

function query(params) {
  const pairs = Object.entries(params || {}).filter(([, v]) => v !== null && v !== undefined
    && v !== "");
  return pairs.length ? `?${new URLSearchParams(pairs)}` : "";
}

/** A client sending `token()` as bearer; `onUnauthorized` runs on any 401 (expired token). */
export function client(token, onUnauthorized) {
  async function call(method, path, { params, json, form } = {}) {
    const headers = { authorization: `Bearer ${token()}` };
    let body;
    if (json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    const response = await fetch(`${API_PREFIX}${path}${query(params)}`,
      { method, headers, body });
    if (response.status === 401) onUnauthorized();
    if (!response.ok) throw await errorOf(response);
    return (await response.json()).data;
  }
  return {
    get: (path, params) => call("GET", path, { params }),
    post: (path, json) => call("POST", path, { json }),
    put: (path, json) => call("PUT", path, { json }),
    upload: (path, form) => call("POST", path, { form }),
  };
}
