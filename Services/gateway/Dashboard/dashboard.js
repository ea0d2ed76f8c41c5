// The Sluice dashboard (README, "Dashboard"): plain JavaScript, no framework, no build
// step, nothing fetched but this gateway's API. Every call carries the API key the user
// gave, which stays in this tab's sessionStorage. Live progress is read from
// GET /api/v1/jobs/{id}/events with fetch(), because EventSource cannot send the
// Authorization header; EventStreamParser below reads the text/event-stream format.
"use strict";

const KEY_STORAGE = "sluice.apiKey";
const JOB_LIMIT = 25;
// The jobs table is re-read this often, for jobs submitted elsewhere; the followed job's
// row changes as its events arrive.
const REFRESH_MS = 10000;
const MAX_RECONNECTS = 8;
const SVG_NS = "http://www.w3.org/2000/svg";

const $ = (id) => document.getElementById(id);

const state = {
  jobs: [],
  selected: null,
  attempts: new Map(),
  follow: null,
  refreshTimer: null,
};

/** Thrown after a 401: the key form is showing, nothing else to report. */
class Unauthorized extends Error {}

// ---- the API ----------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { ...options.headers, Authorization: `Bearer ${sessionStorage.getItem(KEY_STORAGE)}` };
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) {
    const body = await response.json().catch(() => null);
    askForKey(body?.error?.message ?? "the gateway refused the key");
    throw new Unauthorized();
  }
  return response;
}

async function apiJSON(path, options) {
  const response = await api(path, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `${path}: ${response.status}`);
  return body;
}

function report(error) {
  if (error instanceof Unauthorized || error.name === "AbortError") return;
  console.error(error);
  $("notice").textContent = error.message;
}

// ---- the key ----------------------------------------------------------------

function askForKey(message) {
  sessionStorage.removeItem(KEY_STORAGE);
  stopFollowing();
  clearInterval(state.refreshTimer);
  $("dashboard").hidden = true;
  $("forget-key").hidden = true;
  $("key-panel").hidden = false;
  $("key-error").textContent = message;
  $("key-input").focus();
}

async function start() {
  $("key-panel").hidden = true;
  $("dashboard").hidden = false;
  $("forget-key").hidden = false;
  await refreshJobs();
  state.refreshTimer = setInterval(() => refreshJobs().catch(report), REFRESH_MS);
}

// ---- DOM helpers ------------------------------------------------------------

function make(namespace, tag, attributes = {}, text) {
  const node = namespace ? document.createElementNS(namespace, tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

const html = (tag, attributes, text) => make(null, tag, attributes, text);
const svg = (tag, attributes, text) => make(SVG_NS, tag, attributes, text);

function seconds(value) {
  if (value == null) return "–";
  return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
}

const clock = (iso) => new Date(iso).toLocaleTimeString();

/** Sizes `chart` and gives its contents, or a line of text when there is nothing to draw. */
function draw(chart, width, height, nodes, empty) {
  chart.setAttribute("viewBox", `0 0 ${width} ${nodes.length ? height : 24}`);
  chart.replaceChildren(...(nodes.length ? nodes : [svg("text", { x: 0, y: 16, class: "muted" }, empty)]));
}

// ---- recent jobs and throughput ---------------------------------------------

async function refreshJobs() {
  state.jobs = (await apiJSON(`/api/v1/jobs?limit=${JOB_LIMIT}`)).jobs;
  renderJobs();
  $("notice").textContent = `jobs read at ${new Date().toLocaleTimeString()}`;
}

/** Puts a job as an event told it into the table. */
function updateJob(job) {
  const index = state.jobs.findIndex((known) => known.job_id === job.job_id);
  if (index >= 0) state.jobs[index] = job;
  else state.jobs.unshift(job);
  renderJobs();
}

function renderJobs() {
  const rows = state.jobs.map((job) => {
    const row = html("tr", { "data-job-id": job.job_id, class: job.job_id === state.selected ? "selected" : "" });
    row.append(
      html("td", {}, job.job_id.slice(0, 8)),
      html("td", {}, clock(job.submitted_at)),
      html("td", { class: `status status-${job.status}` }, job.status),
      html("td", { class: "number" }, job.record_count ?? "–"),
      html("td", { class: "number" }, seconds(job.duration_seconds)),
    );
    row.addEventListener("click", () => select(job.job_id));
    return row;
  });
  $("jobs").tBodies[0].replaceChildren(...rows);
  renderThroughput();
}

/** Records per second (records over end-to-end time) of the completed jobs listed, by finish time. */
function renderThroughput() {
  const points = state.jobs
    .filter((job) => job.status === "completed" && job.duration_seconds > 0 && job.record_count > 0)
    .map((job) => ({ time: Date.parse(job.finished_at), rate: job.record_count / job.duration_seconds, job }))
    .sort((a, b) => a.time - b.time);
  const [width, height, left, bottom, top] = [560, 190, 70, 24, 10];
  const nodes = [];
  if (points.length) {
    const first = points[0].time;
    const span = Math.max(points[points.length - 1].time - first, 1);
    const peak = Math.max(...points.map((point) => point.rate)) * 1.1;
    const x = (time) => (points.length === 1 ? (left + width) / 2 : left + ((time - first) / span) * (width - left - 10));
    const y = (rate) => height - bottom - (rate / peak) * (height - bottom - top);
    nodes.push(
      svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: height - bottom }),
      svg("line", { class: "axis", x1: left, y1: height - bottom, x2: width, y2: height - bottom }),
      svg("text", { x: left - 6, y: top + 10, "text-anchor": "end" }, `${Math.round(peak)}/s`),
      svg("text", { x: left - 6, y: height - bottom, "text-anchor": "end" }, "0/s"),
      svg("text", { x: left, y: height - 6 }, clock(points[0].job.finished_at)),
      svg("text", { x: width, y: height - 6, "text-anchor": "end" }, clock(points[points.length - 1].job.finished_at)),
      svg("polyline", { class: "line", points: points.map((point) => `${x(point.time)},${y(point.rate)}`).join(" ") }),
    );
    for (const point of points) {
      const dot = svg("circle", { class: "point", cx: x(point.time), cy: y(point.rate), r: 4, "data-job-id": point.job.job_id });
      dot.append(svg("title", {}, `${point.job.job_id}: ${point.rate.toFixed(1)} records/s`));
      nodes.push(dot);
    }
  }
  draw($("throughput"), width, height, nodes, "no completed job listed yet");
}

// ---- one job: its events, stage timeline and Spark comparison ---------------

function select(jobID) {
  stopFollowing();
  state.selected = jobID;
  state.attempts = new Map();
  $("job-panel").hidden = false;
  $("job-id").textContent = jobID;
  $("job-status").textContent = "";
  $("job-error").textContent = "";
  renderJobs();
  renderTimeline();
  renderComparison(null, "waiting for the job to complete");
  follow(jobID);
}

function stopFollowing() {
  state.follow?.abort();
  state.follow = null;
}

function setLive(text) {
  $("live").textContent = text;
  $("live").dataset.state = text;
}

/** Reads the job's event stream, which starts with what happened so far; reconnects when it drops before `end`. */
async function follow(jobID) {
  const controller = new AbortController();
  state.follow = controller;
  for (let attempt = 0; attempt <= MAX_RECONNECTS && !controller.signal.aborted; attempt++) {
    setLive(attempt ? "reconnecting" : "connecting");
    try {
      const response = await api(`/api/v1/jobs/${jobID}/events`, { signal: controller.signal, headers: { Accept: "text/event-stream" } });
      if (!response.ok) throw new Error((await response.json())?.error?.message ?? `events: ${response.status}`);
      setLive("live");
      const parser = new EventStreamParser((name, data) => onEvent(jobID, name, JSON.parse(data)));
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parser.push(chunk.value);
      if (parser.told.has("end")) return;
    } catch (error) {
      if (error instanceof Unauthorized || controller.signal.aborted) return;
      report(error);
    }
    await new Promise((resume) => setTimeout(resume, Math.min(1000 * 2 ** attempt, 15000)));
  }
  if (!controller.signal.aborted) setLive("disconnected");
}

function onEvent(jobID, name, value) {
  if (state.selected !== jobID) return;
  switch (name) {
    case "status":
      showJob(value);
      break;
    case "stage_started":
    case "stage_finished":
      state.attempts.set(`${value.stage}#${value.attempt}`, value);
      renderTimeline();
      break;
    case "end":
      showJob(value);
      setLive("ended");
      if (value.status === "completed") showResults(jobID).catch(report);
      else renderComparison(null, `no results: the job ${value.status}`);
      break;
  }
}

function showJob(job) {
  $("job-status").textContent = job.status;
  $("job-status").className = `status status-${job.status}`;
  $("job-error").textContent = job.error ? `${job.failed_stage ?? "job"}: ${job.error}` : "";
  updateJob(job);
}

/** One row per stage attempt: its queue wait, then its service time (to now while it runs), from the first enqueue. */
function renderTimeline() {
  const attempts = [...state.attempts.values()].sort((a, b) => Date.parse(a.enqueued_at) - Date.parse(b.enqueued_at));
  const [width, row, left, right, top] = [560, 26, 100, 150, 16];
  const nodes = [];
  if (attempts.length) {
    const origin = Math.min(...attempts.map((a) => Date.parse(a.enqueued_at)));
    const end = Math.max(...attempts.map((a) => (a.finished_at ? Date.parse(a.finished_at) : Date.now())));
    const span = Math.max(end - origin, 1);
    const x = (time) => left + ((time - origin) / span) * (width - left - right);
    nodes.push(
      svg("text", { x: left, y: 11, class: "muted" }, "0 s"),
      svg("text", { x: width - right, y: 11, class: "muted", "text-anchor": "end" }, seconds(span / 1000)),
    );
    attempts.forEach((attempt, index) => {
      const y = top + index * row;
      const [queued, started] = [Date.parse(attempt.enqueued_at), Date.parse(attempt.started_at)];
      const finished = attempt.finished_at ? Date.parse(attempt.finished_at) : Date.now();
      const group = svg("g", { "data-stage": attempt.stage, "data-attempt": attempt.attempt, "data-outcome": attempt.outcome });
      group.append(
        svg("title", {}, `${attempt.stage} attempt ${attempt.attempt}: ${attempt.outcome} on ${attempt.worker}${attempt.device ? ` (${attempt.device})` : ""}${attempt.error ? `: ${attempt.error}` : ""}`),
        svg("text", { x: 0, y: y + 14 }, `${attempt.stage} #${attempt.attempt}`),
        svg("rect", { class: "wait", x: x(queued), y: y + 3, width: Math.max(x(started) - x(queued), 1), height: row - 8 }),
        svg("rect", { class: attempt.outcome === "failed" ? "failed" : "work", x: x(started), y: y + 3, width: Math.max(x(finished) - x(started), 1), height: row - 8 }),
        svg("text", { x: width - right + 8, y: y + 14 }, `${seconds(attempt.service_seconds)} ${attempt.outcome === "running" ? "running" : `+ ${seconds(attempt.queue_wait_seconds)} wait`}`),
      );
      nodes.push(group);
    });
  }
  draw($("timeline"), width, top + row * attempts.length + 4, nodes, "no stage has started yet");
}

async function showResults(jobID) {
  const summary = await apiJSON(`/api/v1/jobs/${jobID}/results`);
  if (state.selected === jobID) renderComparison(summary.pipelines, "this job ran no Spark pipelines");
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
  const [width, row, left, right] = [560, 26, 100, 90];
  const longest = Math.max(...bars.map(([, , time]) => time), 1e-9);
  const chart = svg("svg", { role: "img", "aria-label": "RDD and DataFrame times" });
  draw(chart, width, row * bars.length, bars.map(([label, key, time], index) => {
    const group = svg("g", { "data-pipeline": key });
    group.append(
      svg("text", { x: 0, y: index * row + 16 }, label),
      svg("rect", { class: key, x: left, y: index * row + 4, width: Math.max(((width - left - right) * time) / longest, 1), height: row - 8 }),
      svg("text", { x: width - right + 8, y: index * row + 16 }, seconds(time)),
    );
    return group;
  }), "");
  const verdict = pipelines.rdd_seconds == null
    ? "DataFrame only (compare_pipelines was false)"
    : `${faster(pipelines.dataframe_seconds, pipelines.rdd_seconds)}; results ${pipelines.agree ? "agree" : "differ"}`;
  box.replaceChildren(chart, html("p", { id: "verdict" }, verdict));
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

async function submit() {
  const text = $("submit-body").value.trim();
  const result = $("submit-result");
  result.className = "";
  if (!text) {
    result.className = "error";
    result.textContent = "paste records or generate a sample first";
    return;
  }
  $("submit-button").disabled = true;
  try {
    const response = await api("/api/v1/jobs", { method: "POST", headers: { "Content-Type": contentType(text) }, body: text });
    const body = await response.json();
    if (!response.ok) {
      result.className = "error";
      const detail = body.error?.details?.[0]?.message;
      result.textContent = `${response.status} ${body.error?.code}: ${body.error?.message}${detail ? ` (${detail})` : ""}`;
      return;
    }
    // An input_uri body has no count yet: the validator reads the file.
    result.textContent = body.records === undefined ? `job ${body.job_id} queued` : `job ${body.job_id} queued with ${body.records} records`;
    result.dataset.jobId = body.job_id;
    select(body.job_id);
  } finally {
    $("submit-button").disabled = false;
  }
}

// ---- the text/event-stream format -------------------------------------------

/**
 * Server-sent events as the HTML standard defines their stream: lines end with CRLF,
 * LF or CR; `event:` names the event, `data:` lines are its data, a blank line ends it;
 * lines starting with ":" are comments (the gateway's keep-alives).
 */
class EventStreamParser {
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = "";
    this.name = "";
    this.data = [];
    this.told = new Set();
  }

  push(text) {
    this.buffer += text;
    // A CR at the end may be the first half of a CRLF: keep it for the next chunk.
    const held = this.buffer.endsWith("\r") ? "\r" : "";
    const lines = (held ? this.buffer.slice(0, -1) : this.buffer).split(/\r\n|\n|\r/);
    this.buffer = lines.pop() + held;
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") {
      if (this.data.length) {
        const name = this.name || "message";
        this.told.add(name);
        this.onEvent(name, this.data.join("\n"));
      }
      this.name = "";
      this.data = [];
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") this.name = value;
    else if (field === "data") this.data.push(value);
  }
}

// ---- start ------------------------------------------------------------------

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
if (sessionStorage.getItem(KEY_STORAGE)) start().catch(report);
else askForKey("");
