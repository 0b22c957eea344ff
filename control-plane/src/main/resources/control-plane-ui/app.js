// Control Plane page: vanilla JS, no build step. Talks only to POST /control-plane/rpc (JSON-RPC 2.0)
// and GET /control-plane/events (server-sent events, read with fetch so the bearer token can be sent).
"use strict";

const TOKEN_KEY = "control-plane.token";
const runtimes = new Map(); // "namespace/name" -> runtime view
let rpcId = 0;
let stream = null;

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function setStatus(text, error) {
  const el = document.getElementById("status");
  el.textContent = text;
  el.className = error ? "error" : "";
}

async function rpc(method, params) {
  const response = await fetch("/control-plane/rpc", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token() },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method: method, params: params || {} })
  });
  if (response.status === 401 || response.status === 403) {
    throw new Error("the token was refused (" + response.status + ")");
  }
  const body = await response.json();
  if (body.error) {
    throw new Error(body.error.message + (body.error.data ? ": " + body.error.data : ""));
  }
  return body.result;
}

function cell(row, text, cls) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "-" : String(text);
  if (cls) {
    td.className = cls;
  }
  row.appendChild(td);
  return td;
}

function render() {
  const body = document.querySelector("#runtimes tbody");
  body.replaceChildren();
  const keys = Array.from(runtimes.keys()).sort();
  for (const key of keys) {
    const rt = runtimes.get(key);
    for (const t of rt.targets) {
      const row = document.createElement("tr");
      row.dataset.runtime = rt.runtime;
      row.dataset.namespace = rt.namespace;
      row.dataset.target = t.kind + ":" + t.name;
      cell(row, rt.namespace);
      cell(row, rt.runtime);
      cell(row, rt.revision);
      cell(row, t.kind + ":" + t.name);
      cell(row, t.desired, t.desired).dataset.field = "desired";
      cell(row, t.observed, t.observed).dataset.field = "observed";
      cell(row, t.reconciled ? "yes" : "no", t.reconciled ? "" : "no").dataset.field = "reconciled";
      const actions = cell(row, "");
      const button = document.createElement("button");
      const pause = t.desired !== "paused";
      button.textContent = pause ? "Pause" : "Resume";
      button.className = pause ? "pause" : "resume";
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          const result = await rpc(pause ? "pause" : "resume", {
            runtime: rt.runtime, namespace: rt.namespace, targets: [{ kind: t.kind, name: t.name }]
          });
          update(result.state);
        } catch (e) {
          setStatus(e.message, true);
        } finally {
          button.disabled = false;
        }
      });
      actions.appendChild(button);
      body.appendChild(row);
    }
  }
}

function update(view) {
  runtimes.set(view.namespace + "/" + view.runtime, view);
  render();
}

async function load() {
  const result = await rpc("listRuntimes", {});
  runtimes.clear();
  result.runtimes.forEach((v) => runtimes.set(v.namespace + "/" + v.runtime, v));
  render();
}

// Server-sent events over fetch: parse "event:" / "data:" lines, blank line ends an event.
async function follow() {
  if (stream) {
    stream.abort();
  }
  stream = new AbortController();
  const response = await fetch("/control-plane/events", {
    headers: { "Authorization": "Bearer " + token(), "Accept": "text/event-stream" },
    signal: stream.signal
  });
  if (!response.ok) {
    throw new Error("event stream refused (" + response.status + ")");
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      break;
    }
    buffer += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, "");
      buffer = buffer.slice(nl + 1);
      if (line === "") {
        if (event === "runtime" && data.length) {
          update(JSON.parse(data.join("\n")));
        }
        event = "message";
        data = [];
      } else if (line.startsWith("event:")) {
        event = line.slice(6).trim();
      } else if (line.startsWith("data:")) {
        data.push(line.slice(5).replace(/^ /, ""));
      }
    }
  }
}

async function start() {
  if (!token()) {
    setStatus("Paste a token to start.");
    return;
  }
  try {
    await load();
    setStatus("Live: " + runtimes.size + " runtime(s).");
    follow().catch((e) => {
      if (e.name !== "AbortError") {
        setStatus("Live updates stopped: " + e.message + " (reload to retry)", true);
      }
    });
  } catch (e) {
    setStatus(e.message, true);
  }
}

document.getElementById("login").addEventListener("submit", (e) => {
  e.preventDefault();
  const value = document.getElementById("token").value.trim();
  if (value) {
    sessionStorage.setItem(TOKEN_KEY, value);
    document.getElementById("token").value = "";
    start();
  }
});
document.getElementById("forget").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  if (stream) {
    stream.abort();
  }
  runtimes.clear();
  render();
  setStatus("Token forgotten.");
});
start();
