// fivechoice control room: the live tiles (Server-Sent Events from
// /events), the start and stop dialogs and the run sheet's buttons. Every
// action calls the daemon's JSON API with the login cookie; a refusal is
// shown in the API's own words. Data only ever goes in as text
// (textContent, new Option), never as HTML.
"use strict";

const marks = {correct: "✓", incorrect: "✗", omission: "o", premature: "P"};
let skew = 0; // the daemon's clock minus this browser's, in ms

function clock(s) {
  const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, ss = String(s % 60).padStart(2, "0");
  return h > 0 ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
}

// api posts JSON to the daemon and returns [ok, body, warning].
async function api(path, body) {
  let res;
  try {
    res = await fetch(path, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {})});
  } catch (e) {
    return [false, {error: "the daemon did not answer (" + e.message + ")"}, ""];
  }
  let data = {};
  try { data = await res.json(); } catch (e) { data = {error: res.status + " " + res.statusText}; }
  if (res.status === 401) data.error = "Your login has expired: reload the page and log in again.";
  return [res.ok, data, res.headers.get("Warning") || ""];
}

function setText(tile, field, text) {
  const el = tile.querySelector('[data-f="' + field + '"]');
  if (el) el.textContent = text;
}

function updateTile(t) {
  const tile = document.querySelector('.tile[data-chamber="' + CSS.escape(t.name) + '"]');
  if (!tile) return;
  tile.classList.remove("idle", "running", "faulted", "disabled");
  tile.classList.add(t.state);
  tile.dataset.session = t.session || "";
  tile.dataset.subject = t.subject || "";
  tile.dataset.lastInput = t.last_input || 0;
  setText(tile, "state", t.state);
  setText(tile, "fault", t.fault || "");
  for (const f of ["subject", "condition", "protocol", "phase", "trials", "max_trials", "correct", "incorrect",
    "omissions", "premature", "accuracy", "omissions_pct", "premature_pct", "last", "storage_warning"]) {
    setText(tile, f, t[f] === undefined ? "" : String(t[f]));
  }
  setText(tile, "study", t.study ? t.study + " day " + t.study_day : "");
  setText(tile, "elapsed", clock(t.elapsed));
  setText(tile, "left", clock(t.left));
  tile.querySelector('[data-f="last"]').classList.toggle("failed", !!t.last_failed);
  const strip = tile.querySelector('[data-f="recent"]');
  strip.replaceChildren(...t.recent.map(o => {
    const li = document.createElement("li");
    li.className = "o-" + o;
    li.title = o;
    li.textContent = marks[o] || "?";
    return li;
  }));
  const actions = tile.querySelector(".actions");
  let link = actions.querySelector("a.open");
  if (t.session) {
    if (!link) { link = document.createElement("a"); link.className = "open"; link.textContent = "session"; actions.append(link); }
    link.href = "/sessions/" + encodeURIComponent(t.session);
  } else if (link) {
    link.remove();
  }
  quiet(tile);
}

// quiet marks a running tile whose rat has not responded for the
// configured time (the grid's data-no-response, seconds).
function quiet(tile) {
  const grid = document.getElementById("grid");
  const limit = Number(grid.dataset.noResponse) * 1000;
  const last = Number(tile.dataset.lastInput);
  const since = Date.now() + skew - last;
  const on = tile.classList.contains("running") && last > 0 && since > limit;
  tile.classList.toggle("quiet", on);
  if (on) setText(tile, "quiet", clock(Math.floor(since / 1000)));
}

function stream() {
  const state = document.getElementById("stream-state");
  const es = new EventSource("/events");
  es.addEventListener("open", () => { state.textContent = "Live updates: connected."; });
  es.addEventListener("error", () => {
    state.textContent = "Live updates: lost; reconnecting… (if this stays, reload the page: the login may have expired)";
  });
  es.addEventListener("clock", e => { skew = Number(e.data) - Date.now(); });
  es.addEventListener("tile", e => updateTile(JSON.parse(e.data)));
  setInterval(() => document.querySelectorAll(".tile").forEach(quiet), 1000);
}

function fillStudySubjects(form) {
  const opt = form.study.selectedOptions[0];
  const subjects = opt ? JSON.parse(opt.dataset.subjects || "[]") : [];
  form.study_subject.replaceChildren(...subjects.map(s => new Option(s, s)));
}

function setupStart() {
  const dlg = document.getElementById("start-dialog"), form = document.getElementById("start-form");
  const problem = document.getElementById("start-problem");
  let chamber = "";
  document.getElementById("grid").addEventListener("click", e => {
    const b = e.target.closest("button[data-action]");
    if (!b) return;
    const tile = b.closest(".tile");
    if (b.dataset.action === "start") {
      chamber = tile.dataset.chamber;
      document.getElementById("start-chamber").textContent = chamber;
      problem.textContent = "";
      form.reset();
      form.classList.remove("study", "training");
      fillStudySubjects(form);
      dlg.showModal();
    } else if (b.dataset.action === "stop") {
      openStop(tile.dataset.chamber, tile.dataset.session, tile.dataset.subject);
    }
  });
  form.addEventListener("change", e => {
    form.classList.toggle("study", form.mode.value === "study");
    form.classList.toggle("training", form.mode.value === "training");
    if (e.target.name === "study" || e.target.name === "mode") fillStudySubjects(form);
  });
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const go = document.getElementById("start-go");
    go.disabled = true;
    problem.textContent = "";
    let r;
    if (form.mode.value === "study") {
      const body = {subject: form.study_subject.value, chamber: chamber};
      if (form.injected_ago.value !== "") {
        body.injected_at = new Date(Date.now() + skew - Number(form.injected_ago.value) * 60000).toISOString();
      }
      r = await api("/api/v1/studies/" + encodeURIComponent(form.study.value) + "/sessions", body);
    } else if (form.mode.value === "training") {
      r = await api("/api/v1/chambers/" + encodeURIComponent(chamber) + "/training",
        {subject: form.trainee.value, again: form.again.checked});
    } else {
      r = await api("/api/v1/chambers/" + encodeURIComponent(chamber) + "/sessions",
        {subject: form.subject.value, protocol: form.protocol.value, condition: form.condition.value});
    }
    go.disabled = false;
    const [ok, data, warning] = r;
    if (!ok) { problem.textContent = data.error; return; }
    dlg.close();
    if (warning) document.getElementById("stream-state").textContent = "Started, with a warning: " + warning;
  });
}

let stopping = "";
function openStop(chamber, session, subject) {
  stopping = session;
  document.getElementById("stop-chamber").textContent = chamber;
  document.getElementById("stop-subject").textContent = subject;
  document.getElementById("stop-problem").textContent = "";
  document.getElementById("stop-dialog").showModal();
}

function setupStop() {
  const dlg = document.getElementById("stop-dialog");
  document.getElementById("stop-form").addEventListener("submit", async e => {
    e.preventDefault();
    const go = document.getElementById("stop-go");
    go.disabled = true;
    const [ok, data] = await api("/api/v1/sessions/" + encodeURIComponent(stopping) + "/stop");
    go.disabled = false;
    if (!ok) { document.getElementById("stop-problem").textContent = data.error; return; }
    dlg.close();
  });
}

// Run sheet: each chamber's next rat has a Start button; the technician
// confirms the rat is in its box, and the entry's session starts (a study
// entry asks when the dose was given). A refusal is shown in the dialog;
// a start reloads the sheet, which then marks it.
function setupRunSheet() {
  const dlg = document.getElementById("entry-dialog"), form = document.getElementById("entry-form");
  const problem = document.getElementById("entry-problem");
  let entry = "";
  document.querySelectorAll("button[data-entry]").forEach(b => b.addEventListener("click", () => {
    entry = b.dataset.entry;
    document.getElementById("entry-subject").textContent = b.dataset.subject;
    document.getElementById("entry-chamber").textContent = b.dataset.chamber;
    form.reset();
    form.classList.toggle("study", b.dataset.study !== "");
    problem.textContent = "";
    dlg.showModal();
  }));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    const body = {};
    if (form.classList.contains("study") && form.injected_ago.value !== "") {
      body.injected_at = new Date(Date.now() - Number(form.injected_ago.value) * 60000).toISOString();
    }
    const [ok, data] = await api("/api/v1/runsheet/" + encodeURIComponent(entry) + "/start", body);
    if (!ok) { problem.textContent = data.error; return; }
    location.reload();
  });
  document.querySelectorAll("button[data-remove]").forEach(b => b.addEventListener("click", async () => {
    const [ok, data] = await api("/api/v1/runsheet/" + encodeURIComponent(b.dataset.remove) + "/remove");
    if (!ok) { b.closest("td").querySelector(".problem").textContent = data.error; return; }
    location.reload();
  }));
}
document.querySelectorAll("button[data-print]").forEach(b => b.addEventListener("click", () => window.print()));

// Forms with data-api post their filled fields as JSON to that API path,
// then reload the page, or show the refusal beside the button.
document.querySelectorAll("form[data-api]").forEach(form => form.addEventListener("submit", async e => {
  e.preventDefault();
  const body = {};
  for (const [k, v] of new FormData(form)) if (v !== "") body[k] = v;
  const [ok, data] = await api(form.dataset.api, body);
  if (!ok) { form.querySelector(".problem").textContent = data.error; return; }
  location.reload();
}));

document.querySelectorAll("dialog .cancel").forEach(b => b.addEventListener("click", () => b.closest("dialog").close()));
if (document.getElementById("grid")) { stream(); setupStart(); setupStop(); }
if (document.getElementById("runsheet")) setupRunSheet();
