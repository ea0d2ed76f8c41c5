// The dashboard's job panel (README, "Dashboard"): one job from GET /api/v1/jobs/{id} (its
// input, configuration and trace id), followed live over its events (the stage
// timeline), its results by category and the RDD vs DataFrame comparison from
// GET /api/v1/jobs/{id}/results, and cancel and retry buttons for write and admin keys.
import { $, api, apiJSON, button, canWrite, draw, html, postJSON, report, row, seconds, svg } from "./dashboard-core.js";
import { followEvents } from "./dashboard-events.js";

/** Told on `document` with the job (as lists show it) whenever the panel learns its new state. */
export const JOB_CHANGED = "sluice:job-changed";
/** Told on `document` when another job is opened. */
export const JOB_SELECTED = "sluice:job-selected";

const RUNNING = ["queued", "validating", "normalizing", "processing", "analyzing"];
const decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

const panel = {
  jobID: null,
  attempts: new Map(),
  follow: null,
};

export const selectedJob = () => panel.jobID;

export function stopFollowing() {
  panel.follow?.abort();
  panel.follow = null;
}

/** Opens a job: reads it, then follows its events. */
export function select(jobID) {
  stopFollowing();
  panel.jobID = jobID;
  panel.attempts = new Map();
  resetPanel(jobID);
  document.dispatchEvent(new CustomEvent(JOB_SELECTED, { detail: jobID }));
  loadJob(jobID)
    .then(() => follow(jobID))
    .catch(report);
}

function resetPanel(jobID) {
  $("job-panel").hidden = false;
  $("job-id").textContent = jobID;
  for (const id of ["job-status", "job-error", "job-input", "job-trace", "job-config"]) $(id).textContent = "";
  $("job-actions").replaceChildren();
  $("input-link").hidden = true;
  delete $("input-link").dataset.bytes;
  renderTimeline();
  renderResults(null, "waiting for the job to complete");
}

async function loadJob(jobID) {
  const job = await apiJSON(`/api/v1/jobs/${jobID}`);
  if (panel.jobID !== jobID) return;
  renderFacts(job);
  for (const attempt of job.attempts) panel.attempts.set(`${attempt.stage}#${attempt.attempt}`, attempt);
  renderTimeline();
  showJob(job);
}

function follow(jobID) {
  const controller = new AbortController();
  panel.follow = controller;
  followEvents(jobID, controller.signal, (name, value) => onEvent(jobID, name, value), setLive);
}

function setLive(text) {
  $("live").textContent = text;
  $("live").dataset.state = text;
}

function onEvent(jobID, name, value) {
  if (panel.jobID !== jobID) return;
  switch (name) {
    case "status":
      showJob(value);
      break;
    case "stage_started":
    case "stage_finished":
      panel.attempts.set(`${value.stage}#${value.attempt}`, value);
      renderTimeline();
      break;
    case "end":
      showJob(value);
      setLive("ended");
      if (value.status === "completed") showResults(jobID).catch(report);
      else renderResults(null, `no results: the job ${value.status}`);
      break;
  }
}

function showJob(job) {
  $("job-status").textContent = job.status;
  $("job-status").className = `status status-${job.status}`;
  $("job-error").textContent = job.error ? `${job.failed_stage ?? "job"}: ${job.error}` : "";
  renderActions(job);
  document.dispatchEvent(new CustomEvent(JOB_CHANGED, { detail: job }));
}

// ---- cancel and retry -------------------------------------------------------

/** Cancel for a queued or running job, retry for a failed one; none for a read-only key. */
function renderActions(job) {
  const actions = [];
  if (canWrite() && RUNNING.includes(job.status)) actions.push(button("cancel-job", "Cancel job", () => act(job.job_id, "cancel")));
  if (canWrite() && job.status === "failed") actions.push(button("retry-job", "Retry job", () => act(job.job_id, "retry")));
  $("job-actions").replaceChildren(...actions);
}

async function act(jobID, action) {
  const answer = await postJSON(`/api/v1/jobs/${jobID}/${action}`);
  $("notice").textContent = action === "retry" ? `job ${jobID} queued again at ${answer.stage}` : `job ${jobID} cancelled`;
  if (panel.jobID === jobID) select(jobID);
}

// ---- input, configuration, trace --------------------------------------------

function renderFacts(job) {
  const records = job.record_count == null ? "record count not known" : `${job.record_count} records`;
  $("job-input").textContent = `${job.source}, ${records}`;
  $("input-link").hidden = false;
  $("job-trace").textContent = job.trace_id ?? "–";
  $("job-config").textContent = JSON.stringify(job.config ?? {}, null, 2);
}

/** The stored input, fetched with the key (a plain link cannot send it) and saved as a file. */
async function downloadInput() {
  const jobID = panel.jobID;
  const response = await api(`/api/v1/jobs/${jobID}/input`);
  if (!response.ok) {
    const body = await response.json().catch(() => null);
    $("job-error").textContent = `input: ${body?.error?.message ?? response.status}`;
    return;
  }
  const blob = await response.blob();
  const extension = { "application/json": "json", "application/x-ndjson": "ndjson", "text/csv": "csv" }[blob.type.split(";")[0]] ?? "bin";
  const link = html("a", { href: URL.createObjectURL(blob), download: `${jobID}-input.${extension}` });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  $("input-link").dataset.bytes = blob.size;
}

// ---- the stage timeline -----------------------------------------------------

/** One row per stage attempt: its queue wait, then its service time (to now while it runs), from the first enqueue. */
function renderTimeline() {
  const attempts = [...panel.attempts.values()].sort((a, b) => Date.parse(a.enqueued_at) - Date.parse(b.enqueued_at));
  const [width, height, left, right, top] = [560, 26, 100, 150, 16];
  const nodes = [];
  if (attempts.length) {
    const origin = Math.min(...attempts.map((a) => Date.parse(a.enqueued_at)));
    const end = Math.max(...attempts.map((a) => (a.finished_at ? Date.parse(a.finished_at) : Date.now())));
    const span = Math.max(end - origin, 1);
    const x = (time) => left + ((time - origin) / span) * (width - left - right);
    nodes.push(
      svg("text", { x: left, y: 11, class: "muted" }, "0 s"),
      svg("text", { x: width - right, y: 11, class: "muted", "text-anchor": "end" }, seconds(span / 1000)),
      ...attempts.map((attempt, index) => attemptRow(attempt, top + index * height, height, x, width - right)),
    );
  }
  draw($("timeline"), width, top + height * attempts.length + 4, nodes, "no stage has started yet");
}

function attemptRow(attempt, y, height, x, labelX) {
  const [queued, started] = [Date.parse(attempt.enqueued_at), Date.parse(attempt.started_at)];
  const finished = attempt.finished_at ? Date.parse(attempt.finished_at) : Date.now();
  const group = svg("g", { "data-stage": attempt.stage, "data-attempt": attempt.attempt, "data-outcome": attempt.outcome });
  group.append(
    svg("title", {}, `${attempt.stage} attempt ${attempt.attempt}: ${attempt.outcome} on ${attempt.worker}${attempt.device ? ` (${attempt.device})` : ""}${attempt.error ? `: ${attempt.error}` : ""}`),
    svg("text", { x: 0, y: y + 14 }, `${attempt.stage} #${attempt.attempt}`),
    svg("rect", { class: "wait", x: x(queued), y: y + 3, width: Math.max(x(started) - x(queued), 1), height: height - 8 }),
    svg("rect", { class: attempt.outcome === "failed" ? "failed" : "work", x: x(started), y: y + 3, width: Math.max(x(finished) - x(started), 1), height: height - 8 }),
    svg("text", { x: labelX + 8, y: y + 14 }, `${seconds(attempt.service_seconds)} ${attempt.outcome === "running" ? "running" : `+ ${seconds(attempt.queue_wait_seconds)} wait`}`),
  );
  return group;
}

// ---- results ----------------------------------------------------------------

async function showResults(jobID) {
  const summary = await apiJSON(`/api/v1/jobs/${jobID}/results`);
  if (panel.jobID === jobID) renderResults(summary);
}

function renderResults(summary, otherwise) {
  if (!summary) {
    $("results").replaceChildren(html("p", { class: "muted" }, otherwise));
    renderComparison(null, otherwise);
    return;
  }
  const { received, valid, invalid, duplicates } = summary.records;
  $("results").replaceChildren(
    html("p", { id: "records-line" }, `${received} received: ${valid} valid, ${invalid} invalid, ${duplicates} duplicates`),
    categoryTable(summary.categories),
  );
  renderComparison(summary.pipelines, "this job ran no Spark pipelines");
}

function categoryTable(categories) {
  const table = html("table", { id: "categories" });
  const head = html("thead");
  head.append(row(["category", "count", "mean", "std", "min", "max", "outliers"].map((name, index) => [name, index ? { class: "number" } : {}])));
  const body = html("tbody");
  body.append(...categories.map((category) => row([
    category.category,
    ...[category.count, category.mean, category.std, category.min, category.max, category.outliers]
      .map((value) => [decimals.format(value), { class: "number" }]),
  ], { "data-category": category.category })));
  table.append(head, body);
  const wrap = html("div", { class: "table-wrap" });
  wrap.append(table);
  return wrap;
}

/** Which pipeline was faster and by how much, as the CLI says it: "RDD 7.6× faster". */
function faster(dataframe, rdd) {
  if (!(dataframe > 0 && rdd > 0)) return "no timing to compare";
  const [winner, ratio] = rdd < dataframe ? ["RDD", dataframe / rdd] : ["DataFrame", rdd / dataframe];
  return ratio < 1.05 ? "both about as fast" : `${winner} ${ratio.toFixed(1)}× faster`;
}

/** The `pipelines` of the job's summary: both pipelines' times as bars, the speedup, the winner, whether they agree. */
function renderComparison(pipelines, otherwise) {
  const box = $("comparison");
  if (!pipelines) {
    box.replaceChildren(html("p", { class: "muted" }, otherwise));
    return;
  }
  const bars = [["DataFrame", "dataframe", pipelines.dataframe_seconds], ["RDD", "rdd", pipelines.rdd_seconds]]
    .filter(([, , time]) => time != null);
  const [width, height, left, right] = [560, 26, 100, 90];
  const longest = Math.max(...bars.map(([, , time]) => time), 1e-9);
  const chart = svg("svg", { role: "img", "aria-label": "RDD and DataFrame times" });
  draw(chart, width, height * bars.length, bars.map(([label, key, time], index) => {
    const group = svg("g", { "data-pipeline": key });
    group.append(
      svg("text", { x: 0, y: index * height + 16 }, label),
      svg("rect", { class: key, x: left, y: index * height + 4, width: Math.max(((width - left - right) * time) / longest, 1), height: height - 8 }),
      svg("text", { x: width - right + 8, y: index * height + 16 }, seconds(time)),
    );
    return group;
  }), "");
  const verdict = pipelines.rdd_seconds == null
    ? "DataFrame only (compare_pipelines was false)"
    : `${faster(pipelines.dataframe_seconds, pipelines.rdd_seconds)}; results ${pipelines.agree ? "agree" : "differ"}`;
  box.replaceChildren(chart, html("p", { id: "verdict" }, verdict));
}

export function initJob() {
  $("input-link").addEventListener("click", (event) => {
    event.preventDefault();
    downloadInput().catch(report);
  });
}
