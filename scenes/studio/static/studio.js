// optviz studio: edit a shot document, ask the server for its numbers, draw them.
// Every value the page holds is the shot file's own (S.doc is the dict a shot file parses to); the server
// checks it with the shot schema and answers with optmath's paths. Answers older than the last drawn are
// dropped (request sequence numbers), so a dragged slider never draws out of order.
"use strict";
const COLORS = ["#D55E00", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];
const FATE_COLORS = ["#2a9d4b", "#e0a100", "#b0b0b0"];
const S = { meta: null, doc: null, seq: 0, drawn: 0, selected: 0, result: null, job: null };
window.studio = S;
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const res = await fetch(path, body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const doc = await res.json();
  if (!res.ok) throw Object.assign(new Error(doc.error), doc, { status: res.status });
  return doc;
}

// -- numbers ------------------------------------------------------------------------------------------
function round3(v) { return v === 0 ? 0 : Number(v.toPrecision(3)); }
function toSlider(spec, v) {   // value -> 0..1000
  const { min, max, log } = spec;
  const t = log ? (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min))
                : (v - min) / (max - min);
  return Math.round(1000 * Math.min(1, Math.max(0, t)));
}
function fromSlider(spec, pos) {
  const { min, max, log } = spec, t = pos / 1000;
  return round3(log ? 10 ** (Math.log10(min) + t * (Math.log10(max) - Math.log10(min))) : min + t * (max - min));
}
function rangeText(p) {
  if (p.low === null && p.high === null) return "any";
  return `${p.low ?? "−∞"} to ${p.high ?? "∞"}${p.high_open ? " (not 1)" : ""}`;
}

// -- the document -------------------------------------------------------------------------------------
function starts() { return S.doc.starts ? S.doc.starts : (S.doc.start ? [S.doc.start] : []); }
function setStarts(list) {
  delete S.doc.start; delete S.doc.starts;
  if (list.length === 1) S.doc.start = list[0]; else S.doc.starts = list;
}
function optimizers() { return S.doc.optimizer || (S.doc.optimizer = []); }

// -- building the controls ----------------------------------------------------------------------------
function fillSelect(sel, values, current) {
  sel.innerHTML = "";
  for (const v of values) { const o = document.createElement("option"); o.value = o.textContent = v; sel.appendChild(o); }
  if (current !== undefined) sel.value = current;
}

function numberControl(label, spec, value, onValue, title) {
  // a slider and a number field bound to one value; the field takes any number, the server checks it
  const name = document.createElement("span"); name.textContent = label; name.title = title || "";
  const slider = document.createElement("input"); slider.type = "range"; slider.min = 0; slider.max = 1000;
  slider.value = toSlider(spec, value); slider.dataset.param = label;
  const field = document.createElement("input"); field.type = "number"; field.step = "any"; field.value = value;
  field.dataset.param = label;
  slider.addEventListener("input", () => { const v = fromSlider(spec, +slider.value); field.value = v; onValue(v); });
  field.addEventListener("input", () => { if (field.value !== "" && isFinite(+field.value)) {
    slider.value = toSlider(spec, +field.value); onValue(+field.value); } });
  return [name, slider, field];
}

function optimizerCard(o, i) {
  const meta = S.meta.optimizers;
  const card = document.createElement("div"); card.className = "opt"; card.dataset.index = i;
  card.style.borderLeftColor = COLORS[i % COLORS.length];
  const head = document.createElement("div"); head.className = "opt-head";
  const sel = document.createElement("select"); fillSelect(sel, Object.keys(meta), o.name);
  sel.className = "opt-name";
  sel.addEventListener("change", () => { S.doc.optimizer[i] = { name: sel.value, ...(o.key ? { key: o.key } : {}) };
    buildOptimizers(); recompute(); });
  const key = document.createElement("input"); key.placeholder = "key (optional)"; key.size = 10; key.value = o.key || "";
  key.addEventListener("change", () => { if (key.value) o.key = key.value; else delete o.key; recompute(); });
  const rm = document.createElement("button"); rm.type = "button"; rm.textContent = "remove";
  rm.addEventListener("click", () => { S.doc.optimizer.splice(i, 1); buildOptimizers(); recompute(); });
  head.append(sel, key, rm);
  card.appendChild(head);
  const grid = document.createElement("div"); grid.className = "hyper";
  const hyper = meta[o.name].hyper;
  for (const [param, p] of Object.entries(hyper)) {
    if (p.kind === "bool") {
      const name = document.createElement("span"); name.textContent = param;
      const box = document.createElement("input"); box.type = "checkbox"; box.checked = o[param] ?? p.default;
      box.dataset.param = param;
      box.addEventListener("change", () => { o[param] = box.checked; recompute(); });
      grid.append(name, box, document.createElement("span"));
    } else if (p.kind === "pair") {
      const cur = o[param] || p.default.slice();
      p.parts.forEach((part, k) => grid.append(...numberControl(`${param}[${k}]`, part.slider, cur[k], (v) => {
        const pair = (o[param] || p.default).slice(); pair[k] = v; o[param] = pair; recompute();
      }, `default ${part.default}; valid ${rangeText(part)}`)));
    } else {
      grid.append(...numberControl(param, p.slider, o[param] ?? p.default, (v) => { o[param] = v; recompute(); },
        `default ${p.default}; valid ${rangeText(p)}`));
    }
  }
  card.appendChild(grid);
  card.appendChild(scheduleRow(o));
  return card;
}

function scheduleRow(o) {
  const row = document.createElement("div"); row.className = "row";
  const sel = document.createElement("select");
  fillSelect(sel, ["constant lr", ...Object.keys(S.meta.schedules)], o.schedule ? o.schedule.name : "constant lr");
  sel.className = "schedule";
  const params = document.createElement("span");
  const draw = () => {
    params.innerHTML = "";
    if (!o.schedule) return;
    for (const [k, d] of Object.entries(S.meta.schedules[o.schedule.name])) {
      const f = document.createElement("input"); f.size = 8; f.title = k; f.placeholder = k;
      const v = o.schedule[k] ?? d;
      f.value = v === null ? "" : (Array.isArray(v) ? v.join(",") : v);
      f.addEventListener("change", () => {
        const t = f.value.trim();
        if (t === "") delete o.schedule[k];
        else o.schedule[k] = t.includes(",") ? t.split(",").map(Number) : Number(t);
        recompute();
      });
      const l = document.createElement("label"); l.append(` ${k} `, f); params.appendChild(l);
    }
  };
  sel.addEventListener("change", () => {
    if (sel.value === "constant lr") delete o.schedule;
    else { o.schedule = { name: sel.value };
      for (const [k, d] of Object.entries(S.meta.schedules[sel.value])) if (d === null) o.schedule[k] = k === "milestones" ? [Math.round(S.doc.steps / 2)] : Math.max(1, Math.round((S.doc.steps || 200) / 2)); }
    draw(); recompute();
  });
  row.append("lr schedule ", sel, params); draw();
  return row;
}

function buildOptimizers() {
  const box = $("optimizers"); box.innerHTML = "";
  optimizers().forEach((o, i) => box.appendChild(optimizerCard(o, i)));
  $("add-optimizer").disabled = optimizers().length * Math.max(1, starts().length) >= S.meta.limits.paths;
}

function buildStarts() {
  const box = $("starts"); box.innerHTML = "";
  starts().forEach((p, i) => {
    const chip = document.createElement("span"); chip.className = "start-chip" + (i === S.selected ? " selected" : "");
    chip.textContent = `${i + 1}: (${p[0]}, ${p[1]})`;
    chip.addEventListener("click", () => { S.selected = i; buildStarts(); });
    if (starts().length > 1) { const x = document.createElement("b"); x.textContent = " ×"; x.title = "remove";
      x.addEventListener("click", (e) => { e.stopPropagation(); const l = starts(); l.splice(i, 1); setStarts(l);
        S.selected = 0; buildStarts(); buildOptimizers(); recompute(); }); chip.appendChild(x); }
    box.appendChild(chip);
  });
}

function buildCues() {
  const box = $("cues"); box.innerHTML = "";
  (S.doc.cue || []).forEach((c, i) => {
    const wrap = document.createElement("div"); wrap.className = "row";
    const t = document.createElement("textarea"); t.rows = 2; t.value = c.text || ""; t.className = "cue-text";
    t.addEventListener("input", () => { c.text = t.value; recompute(); });
    const rest = Object.fromEntries(Object.entries(c).filter(([k]) => k !== "text"));
    const opts = document.createElement("input"); opts.className = "wide"; opts.spellcheck = false;
    opts.value = JSON.stringify(rest); opts.title = "the cue's other keys (race, panel, camera, formats, to_step, claims, loss, vectors), as JSON";
    opts.addEventListener("change", () => {
      try { const v = JSON.parse(opts.value || "{}"); for (const k of Object.keys(c)) if (k !== "text") delete c[k];
        Object.assign(c, v); opts.classList.remove("bad"); recompute(); }
      catch (e) { opts.classList.add("bad"); showError({ error: `cue ${i + 1}: not JSON: ${e.message}`, field: "cue" }); }
    });
    const rm = document.createElement("button"); rm.type = "button"; rm.textContent = "remove cue";
    rm.addEventListener("click", () => { S.doc.cue.splice(i, 1); if (!S.doc.cue.length) delete S.doc.cue; buildCues(); recompute(); });
    wrap.append(`cue ${i + 1}`, t, opts, rm); box.appendChild(wrap);
  });
}

function buildAll() {
  const d = S.doc, surf = d.surface || (d.surface = {});
  $("title").value = d.title || "";
  $("surface-kind").value = surf.name ? surf.name : "formula";
  $("formula").value = surf.formula || "";
  $("formula-row").hidden = !!surf.name;
  const dom = surf.domain || (surf.name ? S.meta.surfaces[surf.name].domain : [[-2, 2], [-2, 2]]);
  [$("x0").value, $("x1").value] = dom[0]; [$("y0").value, $("y1").value] = dom[1];
  [$("z0").value, $("z1").value] = surf.z_range || ["", ""];
  $("surface-title").value = surf.title || "";
  $("steps").value = d.steps ?? 200; $("steps-slider").value = d.steps ?? 200;
  const cam = d.camera || {};
  $("phi").value = cam.phi ?? ""; $("theta").value = cam.theta ?? "";
  $("moves").value = cam.moves ? JSON.stringify(cam.moves) : "";
  S.selected = 0;
  buildStarts(); buildOptimizers(); buildCues();
}

function bindInputs() {
  const d = () => S.doc;
  $("title").addEventListener("input", () => { const v = $("title").value.trim(); if (v) d().title = $("title").value; else delete d().title; recompute(); });
  $("surface-kind").addEventListener("change", () => {
    const v = $("surface-kind").value, s = d().surface;
    if (v === "formula") { delete s.name; s.formula = s.formula || "x^2 + 3*y^2";
      s.domain = s.domain || [[+$("x0").value, +$("x1").value], [+$("y0").value, +$("y1").value]]; }
    else { delete s.formula; delete s.domain; delete s.z_range; s.name = v;
      const dom = S.meta.surfaces[v].domain; const c = [dom[0][0] + 0.2 * (dom[0][1] - dom[0][0]), dom[1][0] + 0.8 * (dom[1][1] - dom[1][0])];
      setStarts([c.map(round3)]); }
    buildAll(); recompute();
  });
  $("formula").addEventListener("input", () => { d().surface.formula = $("formula").value; recompute(); });
  for (const id of ["x0", "x1", "y0", "y1"]) $(id).addEventListener("change", () => {
    d().surface.domain = [[+$("x0").value, +$("x1").value], [+$("y0").value, +$("y1").value]]; recompute(); });
  for (const id of ["z0", "z1"]) $(id).addEventListener("change", () => {
    if ($("z0").value === "" || $("z1").value === "") delete d().surface.z_range;
    else d().surface.z_range = [+$("z0").value, +$("z1").value]; recompute(); });
  $("surface-title").addEventListener("change", () => { const v = $("surface-title").value; if (v) d().surface.title = v; else delete d().surface.title; recompute(); });
  $("steps-slider").addEventListener("input", () => { $("steps").value = $("steps-slider").value; d().steps = +$("steps-slider").value; recompute(); });
  $("steps").addEventListener("input", () => { if ($("steps").value !== "") { d().steps = Number($("steps").value); $("steps-slider").value = d().steps; recompute(); } });
  $("add-start").addEventListener("click", () => { const l = starts(); l.push(l[l.length - 1].slice()); setStarts(l);
    S.selected = l.length - 1; buildStarts(); buildOptimizers(); recompute(); });
  $("swarm").addEventListener("change", recompute);
  $("add-optimizer").addEventListener("click", () => { const used = optimizers().map((o) => o.name);
    const name = Object.keys(S.meta.optimizers).find((n) => !used.includes(n)) || "sgd";
    optimizers().push({ name }); buildOptimizers(); recompute(); });
  const camera = () => d().camera || (d().camera = {});
  for (const id of ["phi", "theta"]) $(id).addEventListener("change", () => {
    if ($(id).value === "") delete camera()[id]; else camera()[id] = +$(id).value; recompute(); });
  $("moves").addEventListener("change", () => {
    const t = $("moves").value.trim();
    try { if (t) camera().moves = JSON.parse(t); else delete camera().moves; $("moves").classList.remove("bad"); recompute(); }
    catch (e) { $("moves").classList.add("bad"); showError({ error: `moves: not JSON: ${e.message}`, field: "camera" }); }
  });
  $("add-cue").addEventListener("click", () => { (d().cue || (d().cue = [])).push({ text: "{result}" }); buildCues(); recompute(); });
  $("save").addEventListener("click", save);
  $("load").addEventListener("click", load);
  $("render").addEventListener("click", render);
  // a click on the map moves the selected start there
  $("map").addEventListener("click", (ev) => {
    const gd = $("map"), fl = gd._fullLayout; if (!fl) return;
    const rect = gd.getBoundingClientRect(), xa = fl.xaxis, ya = fl.yaxis;
    const px = ev.clientX - rect.left - xa._offset, py = ev.clientY - rect.top - ya._offset;
    if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
    const p = [round3(xa.p2l(px)), round3(ya.p2l(py))], dom = S.result && S.result.surface.domain;
    if (dom && (p[0] < dom[0][0] || p[0] > dom[0][1] || p[1] < dom[1][0] || p[1] > dom[1][1])) return;
    const l = starts(); l[Math.min(S.selected, l.length - 1)] = p; setStarts(l);
    buildStarts(); recompute();
  });
}

// -- errors -------------------------------------------------------------------------------------------
function clearErrors() {
  $("error").hidden = true;
  for (const el of document.querySelectorAll(".inline-error")) { el.hidden = true; el.textContent = ""; }
  document.body.dataset.error = "";
}
function showError(e) {
  const msg = e.error || String(e.message || e);
  document.body.dataset.error = msg;
  if (e.field === "formula" && e.position !== null && e.position !== undefined) {
    const f = S.doc.surface.formula || "";
    const box = $("formula-error");
    box.textContent = `${f}\n${" ".repeat(e.position)}^\n${msg.replace(/^studio: /, "")}`;
    box.hidden = false;
    return;
  }
  const inline = $(`err-${({ domain: "surface", formula: "surface", z_range: "surface", steps: "start", swarm: "start",
    schedule: "optimizer", title: "surface", name: "render", format: "render", lang: "render", quality: "render",
    voice: "render", short: "render", request: "render" })[e.field] || e.field}`);
  if (inline) { inline.textContent = msg; inline.hidden = false; }
  $("error").textContent = msg; $("error").hidden = false;
}

// -- computing and drawing ----------------------------------------------------------------------------
let pending = false;
function recompute() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; send(); });
}
async function send() {
  const seq = ++S.seq, t0 = performance.now();
  const body = { seq, shot: S.doc };
  if ($("swarm").checked) body.swarm = 32;
  $("status").textContent = "computing…";
  try {
    const r = await api("/api/compute", body);
    if (r.seq <= S.drawn) return;          // an older answer than the one on screen: dropped
    S.drawn = r.seq; S.result = r;
    clearErrors();
    draw(r);
    $("status").textContent = `drawn in ${Math.round(performance.now() - t0)} ms`;
    document.body.dataset.drawnSeq = r.seq;
  } catch (e) {
    if (seq < S.seq) return;               // a newer request is on its way
    S.drawn = seq;
    clearErrors(); showError(e);
    $("status").textContent = "refused";
    document.body.dataset.drawnSeq = seq;
  }
}

function pathColor(i, nStarts) { return COLORS[Math.floor(i / nStarts) % COLORS.length]; }

function draw(r) {
  const surf = r.surface, n = Math.max(1, starts().length);
  const dark = { paper_bgcolor: "#fff", plot_bgcolor: "#fff", margin: { l: 45, r: 10, t: 28, b: 35 } };
  const map = [{ type: "contour", x: surf.x, y: surf.y, z: surf.z, colorscale: "Blues", reversescale: true,
    ncontours: 24, contours: { coloring: "heatmap" }, showscale: false, hoverinfo: "skip", name: "surface" }];
  r.paths.forEach((p, i) => map.push({ type: "scatter", mode: "lines+markers", x: p.x, y: p.y, name: p.key,
    line: { color: pathColor(i, n), width: 2 }, marker: { size: 3 }, meta: p.key }));
  // the swarm as a basin picture: each start coloured by where the first optimizer took it
  if (r.swarm) map.splice(1, 0, { type: "scatter", mode: "markers", x: r.swarm.starts.map((q) => q[0]),
    y: r.swarm.starts.map((q) => q[1]), name: `swarm of ${r.swarm.key}: green lowest minimum, amber another, grey neither`,
    marker: { size: 5, opacity: 0.75, symbol: "square", color: r.swarm.fate.map((f) => FATE_COLORS[f]) }, hoverinfo: "skip" });
  map.push({ type: "scatter", mode: "markers", name: "starts", x: starts().map((q) => q[0]), y: starts().map((q) => q[1]),
    marker: { size: 12, symbol: "circle-open", color: "#000", line: { width: 2 } } });
  map.push({ type: "scatter", mode: "markers", name: "minima", x: surf.minima.map((m) => m.xy[0]), y: surf.minima.map((m) => m.xy[1]),
    marker: { size: 10, symbol: "x", color: "#333" } });
  Plotly.react("map", map, { ...dark, title: { text: r.title, font: { size: 13 } }, dragmode: false, showlegend: true,
    legend: { orientation: "h", y: -0.08 }, xaxis: { range: surf.domain[0], fixedrange: true, constrain: "domain" },
    yaxis: { range: surf.domain[1], fixedrange: true, scaleanchor: "x", constrain: "domain" }, uirevision: "map" }, { displayModeBar: false });

  const clip = (z) => z.map((v) => (v === null ? null : Math.min(surf.z_range[1], Math.max(surf.z_range[0], v))));
  const three = [{ type: "surface", x: surf.x, y: surf.y, z: surf.z, colorscale: "Blues", reversescale: true,
    showscale: false, opacity: 0.9, hoverinfo: "skip" }];
  r.paths.forEach((p, i) => three.push({ type: "scatter3d", mode: "lines", x: p.x, y: p.y, z: clip(p.z), name: p.key,
    line: { color: pathColor(i, n), width: 5 } }));
  Plotly.react("surface3d", three, { ...dark, showlegend: false, uirevision: "3d", title: { text: "3D view", font: { size: 12 } },
    scene: { zaxis: { range: surf.z_range }, aspectratio: { x: 1, y: 1, z: 0.6 } } }, { displayModeBar: false });

  // loss against step on a log axis: shifted by the lowest value seen when the surface goes below zero
  let low = Infinity; for (const p of r.paths) for (const v of p.z) if (v !== null && v < low) low = v;
  for (const m of surf.minima) low = Math.min(low, m.value);
  const shift = low <= 0 ? low : 0;
  const loss = r.paths.map((p, i) => ({ type: "scatter", mode: "lines", name: p.key, line: { color: pathColor(i, n) },
    y: p.z.map((v) => (v === null ? null : Math.max(v - shift, 1e-16))) }));
  Plotly.react("loss", loss, { ...dark, showlegend: false, title: { text: shift ? `loss − (${shift.toPrecision(4)}) against step` : "loss against step", font: { size: 12 } },
    xaxis: { title: { text: "step" } }, yaxis: { type: "log", exponentformat: "power" } }, { displayModeBar: false });

  $("fates").innerHTML = "";
  r.paths.forEach((p, i) => {
    const s = document.createElement("span"); s.className = "fate"; s.dataset.key = p.key; s.dataset.kind = p.fate.kind;
    s.innerHTML = `<i class="swatch" style="background:${pathColor(i, n)}"></i><b></b> `;
    s.querySelector("b").textContent = p.key;
    s.append(`${p.fate.text}; ends at (${p.final.map((v) => (v === null ? "–" : v.toPrecision(3))).join(", ")})` +
      (p.final_loss === null ? "" : `, loss ${p.final_loss.toPrecision(3)}`));
    $("fates").appendChild(s);
  });
  if (r.swarm) { const s = document.createElement("span");
    const counts = r.swarm.names.map((nm, k) => `${nm} ${Math.round(100 * r.swarm.fate.filter((f) => f === k).length / r.swarm.fate.length)}%`);
    s.textContent = `swarm of ${r.swarm.key}: ${counts.join(", ")}`; $("fates").appendChild(s); }
  const tbl = $("placeholders"); tbl.innerHTML = "";
  for (const [k, v] of Object.entries(r.placeholders)) { const tr = tbl.insertRow(); tr.insertCell().textContent = `{${k}}`; tr.insertCell().textContent = v; }
  $("said").innerHTML = "";
  for (const text of r.cues) { const li = document.createElement("li"); li.textContent = text; $("said").appendChild(li); }
}

// -- files and renders --------------------------------------------------------------------------------
async function save() {
  clearErrors();
  try {
    const r = await api("/api/save", { shot: S.doc, path: $("path").value });
    $("saved").textContent = `saved ${r.path}\n\n${r.toml}`; $("saved").hidden = false;
    document.body.dataset.saved = r.path;
  } catch (e) { showError(e); }
}
async function load() {
  clearErrors();
  try { const r = await api("/api/load", { path: $("path").value }); open(r); } catch (e) { showError(e); }
}
function open(r) {
  S.doc = r.shot; $("name").value = r.name; $("path").value = r.path;
  buildAll(); recompute();
}
async function render() {
  clearErrors();
  const body = { shot: S.doc, name: $("name").value, format: $("format").value, lang: $("lang").value,
    quality: $("quality").value, short: $("short").checked };
  if ($("voice").value !== "default") body.voice = $("voice").value;
  let job;
  try { job = await api("/api/render", body); } catch (e) { showError(e); return; }
  S.job = job; $("render-log").textContent = ""; $("files").innerHTML = "";
  $("render-log").textContent = job.position ? `queued behind ${job.position} render(s)\n` : "";
  const events = new EventSource(`/api/render/${job.id}/events`);
  events.onmessage = (m) => {
    const j = JSON.parse(m.data); S.job = j;
    const log = $("render-log"); log.textContent += j.lines.map((l) => l + "\n").join(""); log.scrollTop = log.scrollHeight;
    document.body.dataset.render = j.state;
    if (j.state === "done" || j.state === "failed") { events.close(); finished(j); }
  };
}
function finished(j) {
  if (j.state !== "done") { showError({ error: `the render failed: ${j.lines.slice(-1)[0] || ""}`, field: "render" }); return; }
  for (const f of j.files) { const li = document.createElement("li"); const a = document.createElement("a");
    a.href = f.url; a.textContent = `out/${f.name}`; a.target = "_blank"; li.appendChild(a); $("files").appendChild(li); }
  $("video").hidden = $("deck").hidden = true;
  if (j.product.endsWith(".mp4")) { const v = $("video"); v.hidden = false; v.src = j.product; v.muted = true; v.play().catch(() => {}); }
  else { $("deck").hidden = false; $("deck").src = j.product; }   // a talk deck: the offline HTML, in the page
}

async function main() {
  S.meta = await api("/api/meta");
  fillSelect($("surface-kind"), [...Object.keys(S.meta.surfaces), "formula"]);
  fillSelect($("format"), S.meta.formats, "social"); fillSelect($("lang"), S.meta.langs, "en");
  fillSelect($("quality"), S.meta.qualities, "l"); fillSelect($("voice"), ["default", ...S.meta.voices], "default");
  bindInputs();
  open(await api("/api/shot"));
}
main().catch(showError);
