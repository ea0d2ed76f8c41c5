// A job's live progress for the dashboard (README, "Dashboard"): GET /api/v1/jobs/{id}/events
// read with fetch(), because EventSource cannot send the Authorization header, and
// EventStreamParser, which reads the text/event-stream format.
import { api, report, Unauthorized } from "./dashboard-core.js";

const MAX_RECONNECTS = 8;

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

/** Reads one connection's events into `onEvent(name, value)`; true when the stream told `end`. */
async function readStream(jobID, signal, onEvent) {
  const response = await api(`/api/v1/jobs/${jobID}/events`, { signal, headers: { Accept: "text/event-stream" } });
  if (!response.ok) throw new Error((await response.json())?.error?.message ?? `events: ${response.status}`);
  const parser = new EventStreamParser((name, data) => onEvent(name, JSON.parse(data)));
  onEvent("open", null);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parser.push(chunk.value);
  return parser.told.has("end");
}

/**
 * Follows the job's event stream, which starts with what happened so far, until its
 * `end` or `signal` aborts it; reconnects (with backoff) when it drops before `end`.
 * `setLive` is told connecting, live, reconnecting or disconnected.
 */
export async function followEvents(jobID, signal, onEvent, setLive) {
  for (let attempt = 0; attempt <= MAX_RECONNECTS && !signal.aborted; attempt++) {
    setLive(attempt ? "reconnecting" : "connecting");
    try {
      const ended = await readStream(jobID, signal, (name, value) => (name === "open" ? setLive("live") : onEvent(name, value)));
      if (ended) return;
    } catch (error) {
      if (error instanceof Unauthorized || signal.aborted) return;
      report(error);
    }
    await new Promise((resume) => setTimeout(resume, Math.min(1000 * 2 ** attempt, 15000)));
  }
  if (!signal.aborted) setLive("disconnected");
}
