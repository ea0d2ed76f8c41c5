// The dashboard's operations views (README, "Dashboard"): the workers (GET /api/v1/workers,
// one row per replica), the queues' depths (GET /api/v1/queues) and the dead letters
// (GET /api/v1/dead-letters), with a replay button for admin keys
// (POST /api/v1/dead-letters/replay).
import { $, ago, APIError, apiJSON, button, clock, isAdmin, postJSON, row, shortID } from "./dashboard-core.js";
import { select } from "./dashboard-job.js";

const DEAD_LETTER_LIMIT = 100;
const REPLAY_LIMIT = 50;

// ---- workers ----------------------------------------------------------------

function workerRow(worker) {
  return row([
    worker.stage,
    [worker.worker, { title: `${worker.host}, pid ${worker.pid}, version ${worker.version}, started ${clock(worker.started_at)}` }],
    [worker.attempts_in_flight, { class: "number in-flight" }],
    [worker.attempts_succeeded, { class: "number" }],
    [worker.attempts_failed, { class: "number" }],
    [ago(worker.last_seen_at), { title: clock(worker.last_seen_at) }],
    [worker.state, { class: `state state-${worker.state}` }],
  ], { "data-worker": worker.worker, "data-stage": worker.stage, "data-state": worker.state });
}

async function refreshWorkers() {
  const { workers } = await apiJSON("/api/v1/workers");
  $("workers").tBodies[0].replaceChildren(...workers.map(workerRow));
}

// ---- queues -----------------------------------------------------------------

/** A ready count drawn in its messages' colour: waiting, waiting to be retried, dead. */
const readyCell = (ready, kind) => [ready, { class: `number${ready ? ` ready-${kind}` : ""}` }];

/** A queue's row; a stage's queue also shows its retry tiers' ready counts, shortest delay first. */
function queueRow(queue, retries) {
  const tiers = retries.map((tier) => tier.ready).join(" · ");
  const delays = retries.map((tier) => `${tier.name}: after ${tier.delay_seconds} s`).join("\n");
  return row([
    queue.name,
    queue.kind,
    readyCell(queue.ready, queue.kind),
    [queue.consumers, { class: "number" }],
    retries.length ? [tiers, { class: `number${retries.some((tier) => tier.ready) ? " ready-retry" : ""}`, title: delays }] : "",
  ], { "data-queue": queue.name, "data-kind": queue.kind });
}

function queueRows(queues) {
  const retriesOf = (queue) => queues.filter((tier) => tier.kind === "retry" && queue.kind === "stage" && tier.stage === queue.stage);
  return queues.filter((queue) => queue.kind !== "retry").map((queue) => queueRow(queue, retriesOf(queue)));
}

async function refreshQueues() {
  try {
    const answer = await apiJSON("/api/v1/queues");
    $("queues").tBodies[0].replaceChildren(...queueRows(answer.queues));
    $("queues-checked").textContent = `at ${clock(answer.checked_at)}`;
    $("queues-error").textContent = "";
  } catch (error) {
    if (!(error instanceof APIError && error.status === 503)) throw error;
    $("queues-error").textContent = "the broker is unavailable: no queue depths";
  }
}

// ---- dead letters -----------------------------------------------------------

function letterRow(letter) {
  const node = row([
    shortID(letter.job_id),
    letter.stage ?? "–",
    [letter.cause ?? "–", { class: "failed-text" }],
    [letter.attempts ?? "–", { class: "number" }],
    [letter.job_status ?? "–", { class: `status status-${letter.job_status}` }],
    [letter.error ?? "", { class: "error-text" }],
  ], letter.job_id ? { "data-job-id": letter.job_id } : {});
  if (letter.job_id) node.addEventListener("click", () => select(letter.job_id));
  return node;
}

async function refreshDeadLetters() {
  const letters = (await apiJSON(`/api/v1/dead-letters?limit=${DEAD_LETTER_LIMIT}`)).dead_letters;
  $("dead-letters").tBodies[0].replaceChildren(...letters.map(letterRow));
  $("dead-letter-total").textContent = `(${letters.length}${letters.length === DEAD_LETTER_LIMIT ? " or more" : ""})`;
  $("replay-actions").replaceChildren(...(isAdmin() && letters.length ? [button("replay-dead-letters", "Replay dead letters", replay)] : []));
}

async function replay() {
  const answer = await postJSON("/api/v1/dead-letters/replay", { limit: REPLAY_LIMIT });
  const kept = answer.kept.map((letter) => `${shortID(letter.job_id)}: ${letter.reason}`).join("; ");
  $("replay-result").textContent = `replayed ${answer.replayed.length}, kept ${answer.kept.length}${kept ? ` (${kept})` : ""}`;
  $("replay-result").dataset.replayed = answer.replayed.length;
  await refreshDeadLetters();
}

export const refreshOperations = () => Promise.all([refreshWorkers(), refreshQueues(), refreshDeadLetters()]);
