// The dashboard's jobs list (README, "Dashboard"): GET /api/v1/jobs filtered by status and
// submission time, a page at a time (newer and older pages through the answer's
// next_cursor, with a stack of the cursors that led here), and a search by job id or id
// prefix (GET /api/v1/jobs/{id}). A row opens the job (dashboard-job.js).
import { $, APIError, apiJSON, clock, html, report, row, seconds, shortID } from "./dashboard-core.js";
import { JOB_CHANGED, JOB_SELECTED, select, selectedJob } from "./dashboard-job.js";

const PAGE_SIZE = 25;
const STATUSES = ["queued", "validating", "normalizing", "processing", "analyzing", "completed", "failed", "cancelled"];

const list = {
  jobs: [],
  // The cursor of each page from the newest to this one (null: the first page).
  cursors: [null],
  next: null,
};

// ---- the query --------------------------------------------------------------

function checkedStatuses() {
  return [...$("status-filter").querySelectorAll("input:checked")].map((box) => box.value);
}

/** A datetime-local field's value as ISO 8601, or null when empty. */
function isoOf(input) {
  return input.value ? new Date(input.value).toISOString() : null;
}

function query(cursor) {
  const parameters = new URLSearchParams({ limit: PAGE_SIZE });
  const statuses = checkedStatuses();
  if (statuses.length) parameters.set("status", statuses.join(","));
  for (const [name, input] of [["since", $("since-input")], ["until", $("until-input")]]) {
    const value = isoOf(input);
    if (value) parameters.set(name, value);
  }
  if (cursor) parameters.set("cursor", cursor);
  return `/api/v1/jobs?${parameters}`;
}

/** Whether a job told by its events belongs on the first page as filtered. */
function matchesFilters(job) {
  const statuses = checkedStatuses();
  const since = isoOf($("since-input"));
  return list.cursors.length === 1 && !$("until-input").value
    && (!statuses.length || statuses.includes(job.status))
    && (!since || Date.parse(job.submitted_at) >= Date.parse(since));
}

// ---- reading and drawing ----------------------------------------------------

export async function refreshJobs() {
  const page = await apiJSON(query(list.cursors.at(-1)));
  list.jobs = page.jobs;
  list.next = page.next_cursor;
  renderJobs();
}

/** Puts a job as an event told it into the table. */
function updateJob(job) {
  const index = list.jobs.findIndex((known) => known.job_id === job.job_id);
  if (index >= 0) list.jobs[index] = job;
  else if (matchesFilters(job)) list.jobs = [job, ...list.jobs].slice(0, PAGE_SIZE);
  else return;
  renderJobs();
}

function jobRow(job) {
  const node = row([
    shortID(job.job_id),
    clock(job.submitted_at),
    [job.status, { class: `status status-${job.status}` }],
    [job.record_count ?? "–", { class: "number" }],
    [seconds(job.duration_seconds), { class: "number" }],
  ], { "data-job-id": job.job_id, class: job.job_id === selectedJob() ? "selected" : "" });
  node.addEventListener("click", () => select(job.job_id));
  return node;
}

function renderJobs() {
  $("jobs").tBodies[0].replaceChildren(...list.jobs.map(jobRow));
  const page = list.cursors.length;
  $("jobs-count").textContent = `page ${page}: ${list.jobs.length} job${list.jobs.length === 1 ? "" : "s"}${list.next ? ", more older" : ""}`;
  $("jobs-count").dataset.count = list.jobs.length;
  $("newer-page").disabled = page === 1;
  $("older-page").disabled = !list.next;
}

// ---- paging, filtering, searching -------------------------------------------

function showPage(cursors) {
  list.cursors = cursors;
  refreshJobs().catch(report);
}

const firstPage = () => showPage([null]);
const olderPage = () => list.next && showPage([...list.cursors, list.next]);
const newerPage = () => list.cursors.length > 1 && showPage(list.cursors.slice(0, -1));

function clearFilters() {
  $("job-filters").reset();
  firstPage();
}

/** Opens the job that an id or an id prefix of 8 or more characters names. */
async function search(text) {
  $("search-error").textContent = "";
  try {
    const job = await apiJSON(`/api/v1/jobs/${encodeURIComponent(text)}`);
    select(job.job_id);
  } catch (error) {
    if (!(error instanceof APIError)) throw error;
    $("search-error").textContent = error.status === 404 ? `no job ${text}` : error.message;
  }
}

function addStatusBoxes() {
  $("status-filter").append(...STATUSES.map((status) => {
    const label = html("label", { class: `status-${status}` });
    label.append(html("input", { type: "checkbox", value: status, id: `status-${status}` }), ` ${status}`);
    return label;
  }));
}

export function initJobs() {
  addStatusBoxes();
  $("job-filters").addEventListener("change", firstPage);
  $("clear-filters").addEventListener("click", clearFilters);
  $("older-page").addEventListener("click", olderPage);
  $("newer-page").addEventListener("click", newerPage);
  $("job-search").addEventListener("submit", (event) => {
    event.preventDefault();
    search($("search-input").value.trim()).catch(report);
  });
  document.addEventListener(JOB_CHANGED, (event) => updateJob(event.detail));
  document.addEventListener(JOB_SELECTED, renderJobs);
}
