// What every part of the dashboard shares (README, "Dashboard"): calling the gateway's
// API with the key from this tab's sessionStorage, the key's scope, and small DOM and
// formatting helpers. Text always goes in through textContent, never as markup.

export const KEY_STORAGE = "sluice.apiKey";
const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

/** The key's name, owner and scope (`read`, `write` or `admin`), from GET /api/v1/key. */
export const session = { key: null };

/** Thrown after a 401: the key form is showing, nothing else to report. */
export class Unauthorized extends Error {}

/** What to do when the gateway refuses the key; dashboard.js sets it. */
const hooks = { unauthorized: () => {} };
export const onUnauthorized = (handler) => { hooks.unauthorized = handler; };

// ---- the API ----------------------------------------------------------------

export async function api(path, options = {}) {
  const headers = { ...options.headers, Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` };
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    const body = await response.json().catch(() => null);
    hooks.unauthorized(body?.error?.message ?? "the gateway refused the key");
    throw new Unauthorized();
  }
  return response;
}

/** An API error, with the answer's status and `error.code`. */
export class APIError extends Error {
  constructor(status, body, path) {
    super(body?.error?.message ?? `${path}: ${status}`);
    this.status = status;
    this.code = body?.error?.code;
  }
}

export async function apiJSON(path, options) {
  const response = await api(path, options);
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new APIError(response.status, body, path);
  return body;
}

export const postJSON = (path, body = {}) =>
  apiJSON(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

/** Whether the key may change jobs (cancel, retry): write and admin keys. */
export const canWrite = () => ["write", "admin"].includes(session.key?.scope);
/** Whether the key may replay dead letters: admin keys. */
export const isAdmin = () => session.key?.scope === "admin";

export function report(error) {
  if (error instanceof Unauthorized || error.name === "AbortError") return;
  console.error(error);
  $("notice").textContent = error.message;
}

// ---- DOM --------------------------------------------------------------------

function make(namespace, tag, attributes = {}, text) {
  const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

export const html = (tag, attributes, text) => make(null, tag, attributes, text);
export const svg = (tag, attributes, text) => make(SVG_NS, tag, attributes, text);

/** A button that runs `action` when clicked, disabled while it runs; errors go to `report`. */
export function button(id, label, action) {
  const node = html("button", { type: "button", id }, label);
  node.addEventListener("click", async () => {
    node.disabled = true;
    try {
      await action();
    } catch (error) {
      report(error);
    } finally {
      node.disabled = false;
    }
  });
  return node;
}

/** A table row of cells: each a text, or [text, attributes]. */
export function row(cells, attributes = {}) {
  const node = html("tr", attributes);
  node.append(...cells.map((cell) => (Array.isArray(cell) ? html("td", cell[1], cell[0]) : html("td", {}, cell))));
  return node;
}

/** Sizes `chart` and gives its contents, or a line of text when there is nothing to draw. */
export function draw(chart, width, height, nodes, empty) {
  chart.setAttribute("viewBox", `0 0 ${width} ${nodes.length ? height : 24}`);
  chart.replaceChildren(...(nodes.length ? nodes : [svg("text", { x: 0, y: 16, class: "muted" }, empty)]));
}

// ---- formatting -------------------------------------------------------------

export function seconds(value) {
  if (value == null) return "–";
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
}

export const clock = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "–");

/** "12 s ago", "3 min ago", … */
export function ago(iso) {
  if (!iso) return "–";
  const elapsed = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (elapsed < 120) return `${Math.round(elapsed)} s ago`;
  if (elapsed < 7200) return `${Math.round(elapsed / 60)} min ago`;
  return `${Math.round(elapsed / 3600)} h ago`;
}

export const shortID = (id) => (id ? id.slice(0, 8) : "–");
