// The Sluice dashboard's entry point (README, "Dashboard"): plain JavaScript modules, no
// framework, no build step, nothing fetched but this gateway's API. It asks for an API
// key (kept in this tab's sessionStorage), shows nothing else until GET /api/v1/key
// accepts it, then shows the views (dashboard-jobs.js, dashboard-job.js,
// dashboard-charts.js, dashboard-operations.js) and re-reads them every few seconds; the
// submit form is here.
import { $, api, apiJSON, KEY_STORAGE, onUnauthorized, report, session } from "./dashboard-core.js";
import { refreshCharts } from "./dashboard-charts.js";
import { initJob, select, stopFollowing } from "./dashboard-job.js";
import { initJobs, refreshJobs } from "./dashboard-jobs.js";
import { refreshOperations } from "./dashboard-operations.js";

// The views are re-read this often, for what happened elsewhere; the followed job
// changes as its events arrive.
const REFRESH_MS = 10000;

let refreshTimer = null;

// ---- the key ----------------------------------------------------------------

function askForKey(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  session.key = null;
  stopFollowing();
  clearInterval(refreshTimer);
  $("dashboard").hidden = true;
  $("forget-key").hidden = true;
  $("key-scope").hidden = true;
  $("key-panel").hidden = false;
  $("key-error").textContent = message;
  $("key-input").focus();
}

/** Checks the key (GET /api/v1/key); only then shows the dashboard. */
async function start() {
  session.key = await apiJSON("/api/v1/key");
  $("key-panel").hidden = true;
  $("dashboard").hidden = false;
  $("forget-key").hidden = false;
  $("key-scope").hidden = false;
  $("key-scope").textContent = `${session.key.name ?? "no key needed"} (${session.key.owner}, ${session.key.scope})`;
  $("key-scope").dataset.scope = session.key.scope;
  await refresh();
  refreshTimer = setInterval(() => refresh().catch(report), REFRESH_MS);
}

async function refresh() {
  await Promise.all([refreshJobs(), refreshCharts(), refreshOperations()]);
  $("notice").textContent = `read at ${new Date().toLocaleTimeString()}`;
}

// ---- submitting -------------------------------------------------------------

/** `count` records in five categories, each category around a mean of its own. */
function sample(count) {
  const categories = ["A", "B", "C", "D", "E"];
  const data = Array.from({ length: count }, (_, index) => {
    const category = categories[index % categories.length];
    const value = 10 * (index % categories.length + 1) + (Math.random() + Math.random() + Math.random() - 1.5) * 4;
    return JSON.stringify({ id: index + 1, value: Math.round(value * 1000) / 1000, category });
  });
  return `{"data": [\n${data.join(",\n")}\n], "processing_config": {"compare_pipelines": true}}`;
}

/** The body's format: a JSON document, else NDJSON when it starts with an object, else CSV. */
function contentType(text) {
  try {
    JSON.parse(text);
    return "application/json";
  } catch {
    return text.startsWith("{") ? "application/x-ndjson" : "text/csv";
  }
}

function showSubmitError(text) {
  $("submit-result").className = "error";
  $("submit-result").textContent = text;
}

async function submit() {
  const text = $("submit-body").value.trim();
  $("submit-result").className = "";
  if (!text) return showSubmitError("paste records or generate a sample first");
  $("submit-button").disabled = true;
  try {
    const response = await api("/api/v1/jobs", { method: "POST", headers: { "Content-Type": contentType(text) }, body: text });
    const body = await response.json();
    if (!response.ok) {
      const detail = body.error?.details?.[0]?.message;
      return showSubmitError(`${response.status} ${body.error?.code}: ${body.error?.message}${detail ? ` (${detail})` : ""}`);
    }
    // An input_uri body has no count yet: the validator reads the file.
    $("submit-result").textContent = body.records === undefined ? `job ${body.job_id} queued` : `job ${body.job_id} queued with ${body.records} records`;
    $("submit-result").dataset.jobId = body.job_id;
    select(body.job_id);
  } finally {
    $("submit-button").disabled = false;
  }
}

// ---- start ------------------------------------------------------------------

onUnauthorized(askForKey);
initJobs();
initJob();
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_STORAGE, $("key-input").value.trim());
  $("key-input").value = "";
  start().catch(report);
});
$("forget-key").addEventListener("click", () => askForKey(""));
$("sample-button").addEventListener("click", () => {
  $("submit-body").value = sample(Number($("sample-size").value) || 500);
});
$("submit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  submit().catch(report);
});
$("chart-range").addEventListener("change", () => refreshCharts().catch(report));
if (sessionStorage.getItem(KEY_STORAGE)) start().catch(report);
else askForKey("");
