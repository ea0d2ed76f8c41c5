// The dashboard's charts of completed jobs over fixed time windows (README, "Dashboard"):
// the last hour per minute or the last 24 hours per hour. Throughput is the records of
// the jobs that finished in a window over the window's length (an empty window is 0);
// latency is the p50 and p95 of their duration_seconds (an empty window is a gap). Both
// have time ticks on x and round 1-2-5 ticks on y. Data: GET /api/v1/jobs?status=completed&finished_since=….
import { $, apiJSON, draw, svg } from "./dashboard-core.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const RANGES = {
  hour: { window: MINUTE, count: 60, isTick: (date) => date.getMinutes() % 10 === 0 },
  day: { window: HOUR, count: 24, isTick: (date) => date.getHours() % 3 === 0 },
};
const PAGE_LIMIT = 500;
const MAX_PAGES = 10;
const SIZE = { width: 560, height: 190, left: 56, right: 28, top: 10, bottom: 24 };

// ---- the data ---------------------------------------------------------------

/** The jobs completed since `since`, a bounded number of pages; `complete` is false when cut short. */
async function completedJobs(since) {
  const jobs = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const parameters = new URLSearchParams({ status: "completed", finished_since: new Date(since).toISOString(), limit: PAGE_LIMIT });
    if (cursor) parameters.set("cursor", cursor);
    const answer = await apiJSON(`/api/v1/jobs?${parameters}`);
    jobs.push(...answer.jobs);
    cursor = answer.next_cursor;
    if (!cursor) return { jobs, complete: true };
  }
  return { jobs, complete: false };
}

/** The range's windows, the last one holding now: each its start, end, records and durations. */
function windowsOf(range, now) {
  const end = Math.ceil((now + 1) / range.window) * range.window;
  const start = end - range.count * range.window;
  return Array.from({ length: range.count }, (_, index) => ({
    start: start + index * range.window,
    end: start + (index + 1) * range.window,
    records: 0,
    durations: [],
  }));
}

function fill(windows, jobs) {
  const [start, length] = [windows[0].start, windows[0].end - windows[0].start];
  for (const job of jobs) {
    const index = Math.floor((Date.parse(job.finished_at) - start) / length);
    if (!(index >= 0 && index < windows.length)) continue;
    windows[index].records += job.record_count ?? 0;
    if (job.duration_seconds != null) windows[index].durations.push(job.duration_seconds);
  }
  for (const window of windows) window.durations.sort((a, b) => a - b);
}

/** The nearest-rank percentile of sorted values; null when there are none. */
function percentile(sorted, fraction) {
  return sorted.length ? sorted[Math.max(0, Math.ceil(fraction * sorted.length) - 1)] : null;
}

// ---- axes -------------------------------------------------------------------

/** Ticks from 0 to the first multiple of a 1-2-5 step at or above `max`, about four steps. */
function niceTicks(max) {
  const top = max > 0 ? max : 1;
  const rough = top / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough);
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  const count = Math.ceil(top / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, index) => ({ value: index * step, label: (index * step).toFixed(digits) }));
}

function frame(windows) {
  const { width, height, left, right, top, bottom } = SIZE;
  const [start, end] = [windows[0].start, windows.at(-1).end];
  return {
    x: (time) => left + ((time - start) / (end - start)) * (width - left - right),
    slot: (width - left - right) / windows.length,
    bottom: height - bottom,
    plotHeight: height - bottom - top,
  };
}

function yAxis(ticks, unit, y) {
  return ticks.flatMap((tick) => [
    svg("line", { class: "grid", x1: SIZE.left, x2: SIZE.width - SIZE.right, y1: y(tick.value), y2: y(tick.value) }),
    svg("text", { class: "y-tick", x: SIZE.left - 6, y: y(tick.value) + 4, "text-anchor": "end", "data-value": tick.value }, `${tick.label}${unit}`),
  ]);
}

function xAxis(windows, range, geometry) {
  const boundaries = [...windows.map((window) => window.start), windows.at(-1).end];
  const ticks = boundaries.filter((time) => range.isTick(new Date(time)));
  const label = (time) => new Date(time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return [
    svg("line", { class: "axis", x1: SIZE.left, x2: SIZE.width - SIZE.right, y1: geometry.bottom, y2: geometry.bottom }),
    ...ticks.flatMap((time) => [
      svg("line", { class: "axis", x1: geometry.x(time), x2: geometry.x(time), y1: geometry.bottom, y2: geometry.bottom + 4 }),
      svg("text", { class: "x-tick", x: geometry.x(time), y: SIZE.height - 6, "text-anchor": "middle" }, label(time)),
    ]),
  ];
}

function scale(ticks, geometry) {
  const top = ticks.at(-1).value;
  return (value) => geometry.bottom - (value / top) * geometry.plotHeight;
}

// ---- the charts -------------------------------------------------------------

function renderThroughput(windows, range) {
  const seconds = range.window / 1000;
  const rates = windows.map((window) => window.records / seconds);
  const geometry = frame(windows);
  const ticks = niceTicks(Math.max(...rates));
  const y = scale(ticks, geometry);
  const bars = windows.map((window, index) => {
    const bar = svg("rect", {
      class: "bar", x: geometry.x(window.start) + geometry.slot * 0.1, width: geometry.slot * 0.8,
      y: y(rates[index]), height: geometry.bottom - y(rates[index]),
      "data-start": new Date(window.start).toISOString(), "data-rate": rates[index], "data-records": window.records,
    });
    bar.append(svg("title", {}, `${new Date(window.start).toLocaleTimeString()}: ${rates[index].toFixed(2)} records/s`));
    return bar;
  });
  draw($("throughput"), SIZE.width, SIZE.height, [...yAxis(ticks, "/s", y), ...xAxis(windows, range, geometry), ...bars], "");
}

/** A polyline per run of windows that have jobs: empty windows are gaps. */
function lines(points, className) {
  const runs = [];
  points.forEach((point, index) => {
    if (point && points[index - 1]) runs.at(-1).push(point);
    else if (point) runs.push([point]);
  });
  return runs.filter((run) => run.length > 1)
    .map((run) => svg("polyline", { class: className, points: run.map(([x, y]) => `${x},${y}`).join(" ") }));
}

function renderLatency(windows, range) {
  const quantiles = windows.map((window) => [percentile(window.durations, 0.5), percentile(window.durations, 0.95)]);
  const geometry = frame(windows);
  const ticks = niceTicks(Math.max(0, ...quantiles.map(([, p95]) => p95 ?? 0)));
  const y = scale(ticks, geometry);
  const center = (window) => geometry.x(window.start) + geometry.slot / 2;
  const at = (which) => windows.map((window, index) => (quantiles[index][which] == null ? null : [center(window), y(quantiles[index][which])]));
  const groups = windows.map((window, index) => {
    const [p50, p95] = quantiles[index];
    const group = svg("g", { class: "window", "data-jobs": window.durations.length });
    if (p50 == null) return group;
    group.append(
      svg("title", {}, `${new Date(window.start).toLocaleTimeString()}: ${window.durations.length} jobs, p50 ${p50.toFixed(2)} s, p95 ${p95.toFixed(2)} s`),
      svg("circle", { class: "p50", cx: center(window), cy: y(p50), r: 3, "data-value": p50 }),
      svg("circle", { class: "p95", cx: center(window), cy: y(p95), r: 3, "data-value": p95 }),
    );
    return group;
  });
  const nodes = [...yAxis(ticks, " s", y), ...xAxis(windows, range, geometry), ...lines(at(0), "p50"), ...lines(at(1), "p95"), ...groups];
  draw($("latency"), SIZE.width, SIZE.height, nodes, "");
}

export async function refreshCharts() {
  const range = RANGES[$("chart-range").value];
  const windows = windowsOf(range, Date.now());
  const { jobs, complete } = await completedJobs(windows[0].start);
  fill(windows, jobs);
  const counted = windows.reduce((sum, window) => sum + window.durations.length, 0);
  $("chart-note").textContent = `${counted} jobs finished in range${complete ? "" : ` (only the newest ${MAX_PAGES * PAGE_LIMIT} jobs read)`}`;
  renderThroughput(windows, range);
  renderLatency(windows, range);
}
