/// The operations page: plain HTML, CSS and JavaScript in one document, served from the binary
/// (no CDN, no build step), so it works offline in a control room. Large type and high contrast
/// for a wall screen; every control is a real button or input, reachable with Tab.
enum OperationsPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CityBrain — operations centre</title>
<style>
  :root { --bg:#0d1117; --panel:#161b22; --text:#e6edf3; --muted:#8b949e; --critical:#ff4d4f; --warning:#f5a524; --info:#3fb5e8; --ok:#3fb950; }
  * { box-sizing: border-box; }
  body { margin:0; font: 18px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; flex-wrap:wrap; gap:1.5rem; align-items:center; padding:.75rem 1.25rem; background:var(--panel); border-bottom:2px solid #30363d; }
  header h1 { font-size:1.4rem; margin:0 1rem 0 0; }
  .counter { display:flex; flex-direction:column; }
  .counter b { font-size:1.6rem; font-variant-numeric: tabular-nums; }
  .counter span { color:var(--muted); font-size:.8rem; text-transform:uppercase; letter-spacing:.05em; }
  #connection { margin-left:auto; font-size:.9rem; }
  #connection.live { color:var(--ok); } #connection.down { color:var(--critical); }
  main { display:grid; grid-template-columns: 2fr 1fr; gap:1rem; padding:1rem 1.25rem; }
  section { background:var(--panel); border-radius:8px; padding:.75rem 1rem; }
  h2 { font-size:1.1rem; margin:.25rem 0 .75rem; color:var(--muted); text-transform:uppercase; letter-spacing:.06em; }
  h3 { font-size:1rem; margin:1rem 0 .4rem; }
  h4 { font-size:.9rem; margin:.6rem 0 .3rem; color:var(--muted); }
  .case { border-left:6px solid var(--info); background:#0d1117; margin:.4rem 0; padding:.5rem .75rem; border-radius:4px; display:grid; grid-template-columns:1fr auto; gap:.25rem .75rem; }
  .case.critical { border-color:var(--critical); } .case.warning { border-color:var(--warning); } .case.info { border-color:var(--info); }
  .case.resolved { opacity:.55; border-color:var(--ok); }
  .case .title { font-weight:600; }
  .case .meta { color:var(--muted); font-size:.85rem; }
  .status { font-weight:700; text-transform:uppercase; font-size:.85rem; }
  .status.open { color:var(--critical); } .status.acknowledged { color:var(--warning); } .status.resolved { color:var(--ok); }
  .escalated { color:var(--critical); font-weight:700; }
  .actions { display:flex; gap:.4rem; align-items:start; }
  button, input { font:inherit; font-size:.9rem; }
  button { background:#21262d; color:var(--text); border:1px solid #30363d; border-radius:6px; padding:.3rem .7rem; cursor:pointer; }
  button:hover, button:focus-visible { border-color:var(--info); outline:2px solid var(--info); outline-offset:1px; }
  input { background:#0d1117; color:var(--text); border:1px solid #30363d; border-radius:6px; padding:.3rem .5rem; width:11rem; }
  table { width:100%; border-collapse:collapse; font-variant-numeric: tabular-nums; }
  td { padding:.15rem .3rem; } td.free { text-align:right; font-weight:700; } td.free.low { color:var(--critical); }
  .rate { font-size:1.4rem; font-weight:700; } .rate.good { color:var(--ok); } .rate.bad { color:var(--critical); }
  svg.spark { width:100%; height:40px; } svg.spark polyline { fill:none; stroke:var(--info); stroke-width:2; }
  #operator { display:flex; gap:.5rem; align-items:center; }
  #message { color:var(--warning); min-height:1.4em; }
  .empty { color:var(--muted); }
  .case .series { grid-column: 1 / -1; }
  svg.series { width:100%; height:auto; max-height:220px; display:block; }
  svg.series .band { fill:rgba(63,181,232,.2); stroke:none; }
  svg.series .expected { fill:none; stroke:var(--muted); stroke-width:1.5; stroke-dasharray:5 4; }
  svg.series .value { fill:none; stroke:var(--text); stroke-width:2; }
  svg.series .marker { stroke:var(--critical); stroke-width:2; }
  svg.series circle.open { fill:var(--critical); }
  #overload { display:none; background:#3d1d00; color:var(--warning); padding:.4rem 1rem; border-bottom:1px solid var(--warning); }
  #overload.active { display:block; }
</style>
</head>
<body>
<header>
  <h1>CityBrain operations</h1>
  <div class="counter"><b id="events-per-second">–</b><span>events / s</span></div>
  <div class="counter"><b id="alerts-last-hour">–</b><span>alerts last hour</span></div>
  <div class="counter"><b id="bad-frames">–</b><span>bad frames</span></div>
  <div class="counter"><b id="late-events">–</b><span>late events</span></div>
  <div class="counter"><b id="watermark-lag">–</b><span>watermark lag</span></div>
  <form id="operator" onsubmit="return false">
    <label for="operator-name">Operator</label><input id="operator-name" autocomplete="username" placeholder="your name">
    <label for="operator-token">Token</label><input id="operator-token" type="password" autocomplete="current-password" placeholder="access token">
  </form>
  <span id="connection" class="down" role="status">connecting…</span>
</header>
<div id="overload" role="status" aria-live="polite"></div>
<div id="message" role="alert" aria-live="assertive"></div>
<main>
  <section aria-labelledby="alerts-heading">
    <h2 id="alerts-heading">Open alerts</h2>
    <div id="alerts" aria-live="polite"><p class="empty">No open alerts.</p></div>
  </section>
  <div>
    <section aria-labelledby="ontime-heading"><h2 id="ontime-heading">Handled on time (last 24 h)</h2><div id="on-time"><p class="empty">No decided cases yet.</p></div></section>
    <section aria-labelledby="parking-heading" style="margin-top:1rem"><h2 id="parking-heading">Free parking spaces</h2><div id="parking"><p class="empty">No garage has reported.</p></div></section>
    <section aria-labelledby="speed-heading" style="margin-top:1rem"><h2 id="speed-heading">Traffic speed, last hour</h2><div id="speed"><p class="empty">No traffic readings.</p></div></section>
  </div>
</main>
<script>
"use strict";
const cases = new Map();
// Alerts whose series is shown: id → the series from /api/alerts/{id}/series.
const expanded = new Map();
const $ = (id) => document.getElementById(id);
const escapeHTML = (text) => String(text ?? "").replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));
const time = (ms) => new Date(ms).toLocaleTimeString();
for (const id of ["operator-name", "operator-token"]) {
  $(id).value = localStorage.getItem(id) || "";
  $(id).addEventListener("change", () => localStorage.setItem(id, $(id).value));
}

function renderCases() {
  const list = [...cases.values()].filter((c) => c.status !== "resolved" || Date.now() - (c.resolved?.at ?? 0) < 60000);
  if (list.length === 0) { $("alerts").innerHTML = '<p class="empty">No open alerts.</p>'; return; }
  const groups = new Map();
  for (const c of list) {
    const key = c.department + "|" + (c.district ?? "–");
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(c);
  }
  const html = [];
  const keys = [...groups.keys()].sort();
  let department = null;
  for (const key of keys) {
    const [dept, district] = key.split("|");
    if (dept !== department) { html.push(`<h3>${escapeHTML(dept)}</h3>`); department = dept; }
    html.push(`<h4>District ${escapeHTML(district)}</h4>`);
    for (const c of groups.get(key).sort((a, b) => b.opened_at - a.opened_at)) {
      const who = c.assigned ? `assigned to ${escapeHTML(c.assigned.assignee)} by ${escapeHTML(c.assigned.by)}`
        : c.acknowledged ? `acknowledged by ${escapeHTML(c.acknowledged.by)} at ${time(c.acknowledged.at)}`
        : `act by ${time(c.deadline)}`;
      const open = c.status !== "resolved";
      html.push(`<article class="case ${c.severity} ${c.status}" data-id="${escapeHTML(c.id)}" aria-label="${escapeHTML(c.severity)} alert ${escapeHTML(c.rule)}">
        <div><div class="title">${escapeHTML(c.message)}</div>
        <div class="meta"><span class="status ${c.status}">${c.status}</span> · ${escapeHTML(c.severity)} · ${escapeHTML(c.rule)} · opened ${time(c.opened_at)} · ${who}
        ${c.escalated_at ? ' · <span class="escalated">ESCALATED</span>' : ""}</div></div>
        <div class="actions">${c.alert?.expected != null ? `<button data-action="series" aria-expanded="${expanded.has(c.id)}">Series</button>` : ""}
        ${open && !c.acknowledged ? `<button data-action="ack">Acknowledge</button>` : ""}
        ${open ? `<button data-action="assign">Assign…</button><button data-action="resolve">Resolve</button>` : ""}</div>
        ${expanded.has(c.id) ? `<div class="series">${seriesSVG(expanded.get(c.id))}</div>` : ""}
      </article>`);
    }
  }
  const focused = document.activeElement?.closest?.(".case")?.dataset.id;
  $("alerts").innerHTML = html.join("");
  if (focused) document.querySelector(`.case[data-id="${CSS.escape(focused)}"] button`)?.focus();
}

const number = (v) => Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)));

// The sensor's recent readings (line), what the rule expected (dashed) and its band (shaded:
// expected ± band × spread), the reading that raised the alert marked in red.
function seriesSVG(s) {
  const points = s.points.filter((p) => p.value != null && p.expected != null);
  if (points.length < 2) return '<p class="empty">No recent readings of this sensor were scored.</p>';
  const band = s.band ?? 0, W = 600, H = 160, pad = 6;
  const t0 = points[0].ts, t1 = points[points.length - 1].ts, span = Math.max(1, t1 - t0);
  const highs = points.map((p) => p.expected + band * (p.spread ?? 0)), lows = points.map((p) => p.expected - band * (p.spread ?? 0));
  const lo = Math.min(...lows, ...points.map((p) => p.value)), hi = Math.max(...highs, ...points.map((p) => p.value));
  const x = (ts) => (((ts - t0) / span) * W).toFixed(1);
  const y = (v) => (H - pad - ((v - lo) / Math.max(1e-9, hi - lo)) * (H - 2 * pad)).toFixed(1);
  const line = (values) => points.map((p, i) => `${x(p.ts)},${y(values[i])}`).join(" ");
  const bandPoints = points.map((p, i) => `${x(p.ts)},${y(highs[i])}`).concat(points.map((p, i) => `${x(p.ts)},${y(lows[i])}`).reverse()).join(" ");
  const marker = s.observed_at != null && s.observed_at >= t0 && s.observed_at <= t1
    ? `<line class="marker" x1="${x(s.observed_at)}" x2="${x(s.observed_at)}" y1="0" y2="${H}"/>` : "";
  const open = points.filter((p) => p.open).map((p) => `<circle class="open" cx="${x(p.ts)}" cy="${y(p.value)}" r="3"/>`).join("");
  const last = points[points.length - 1];
  const label = `${escapeHTML(s.rule)} on ${escapeHTML(s.sensor)}: ${points.length} readings from ${time(t0)} to ${time(t1)}, last ${number(last.value)}, expected ${number(last.expected)}`;
  return `<svg class="series" viewBox="0 0 ${W} ${H}" role="img" aria-label="${label}">
    <polygon class="band" points="${bandPoints}"/><polyline class="expected" points="${line(points.map((p) => p.expected))}"/>
    <polyline class="value" points="${line(points.map((p) => p.value))}"/>${marker}${open}</svg>
    <div class="meta">${time(t0)} – ${time(t1)} · ${points.length} readings · last ${number(last.value)}, expected ${number(last.expected)}` +
    ` (band ± ${band} spreads) · scale ${number(lo)} – ${number(hi)}</div>`;
}

async function toggleSeries(id) {
  if (expanded.has(id)) { expanded.delete(id); renderCases(); return; }
  const response = await fetch(`/api/alerts/${encodeURIComponent(id)}/series`);
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) { $("message").textContent = answer.error || `failed: HTTP ${response.status}`; return; }
  expanded.set(id, answer);
  renderCases();
}

async function act(id, action) {
  const by = $("operator-name").value.trim();
  if (!by) { $("message").textContent = "Enter your name as operator first."; $("operator-name").focus(); return; }
  const body = { by };
  if (action === "assign") {
    const assignee = prompt("Assign to (team or person):");
    if (!assignee) return;
    body.assignee = assignee;
  }
  const headers = { "Content-Type": "application/json" };
  const token = $("operator-token").value.trim();
  if (token) headers["Authorization"] = "Bearer " + token;
  const response = await fetch(`/api/alerts/${encodeURIComponent(id)}/${action}`, { method: "POST", headers, body: JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) { $("message").textContent = answer.error || `failed: HTTP ${response.status}`; return; }
  $("message").textContent = "";
  cases.set(answer.id, answer);
  renderCases();
}

$("alerts").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = button.closest(".case").dataset.id;
  if (button.dataset.action === "series") toggleSeries(id); else act(id, button.dataset.action);
});

function duration(seconds) {
  const size = Math.abs(seconds), sign = seconds < 0 ? "−" : "";
  if (size < 120) return sign + size.toFixed(1) + " s";
  if (size < 7200) return sign + (size / 60).toFixed(0) + " min";
  if (size < 172800) return sign + (size / 3600).toFixed(0) + " h";
  return sign + (size / 86400).toFixed(0) + " d";
}

function renderStats(s) {
  $("events-per-second").textContent = Math.round(s.events_per_second).toLocaleString();
  $("alerts-last-hour").textContent = s.alerts_last_hour.toLocaleString();
  $("bad-frames").textContent = s.bad_frames.toLocaleString();
  $("late-events").textContent = s.late_events.toLocaleString();
  $("watermark-lag").textContent = s.watermark_lag_seconds == null ? "–" : duration(s.watermark_lag_seconds);
  const overload = $("overload");
  overload.classList.toggle("active", s.overloaded_since != null);
  if (s.overloaded_since != null) {
    const most = (s.most_shed || []).slice(0, 5).map((m) => `${escapeHTML(m.sensor)} (${m.readings.toLocaleString()})`).join(", ");
    overload.innerHTML = `<b>Overloaded since ${new Date(s.overloaded_since).toLocaleTimeString()}</b>: shedding ` +
      `${Math.round(s.shed_per_second).toLocaleString()} readings/s (${s.shed_readings.toLocaleString()} in all; alerts are never shed)` +
      (most ? ` · most shed: ${most}` : "");
  }
  const rates = Object.entries(s.on_time || {});
  $("on-time").innerHTML = rates.length === 0 ? '<p class="empty">No decided cases yet.</p>' : "<table>" + rates.map(([dept, r]) =>
    `<tr><td>${escapeHTML(dept)}</td><td class="rate ${r.rate >= 0.95 ? "good" : "bad"}">${(r.rate * 100).toFixed(0)} %</td><td class="meta">${r.on_time}/${r.total}</td></tr>`).join("") + "</table>";
  if (s.parking) {
    const districts = Object.entries(s.parking);
    $("parking").innerHTML = districts.length === 0 ? '<p class="empty">No garage has reported.</p>' : districts.map(([district, garages]) =>
      `<h4>District ${escapeHTML(district)} · ${garages.reduce((n, g) => n + g.free, 0).toLocaleString()} free</h4><table>` +
      garages.map((g) => `<tr><td>${escapeHTML(g.sensor)}</td><td class="free ${g.free < g.capacity * 0.05 ? "low" : ""}">${g.free}</td><td class="meta">/ ${g.capacity}</td></tr>`).join("") + "</table>").join("");
  }
  if (s.speed) {
    const districts = Object.entries(s.speed);
    $("speed").innerHTML = districts.length === 0 ? '<p class="empty">No traffic readings.</p>' : districts.map(([district, points]) => {
      const values = points.map((p) => p[1]);
      const max = Math.max(60, ...values);
      const coords = points.map((p, i) => `${(i / Math.max(1, points.length - 1)) * 100},${40 - (p[1] / max) * 38}`).join(" ");
      return `<h4>District ${escapeHTML(district)} · now ${values[values.length - 1]} km/h</h4>
        <svg class="spark" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label="mean speed in district ${escapeHTML(district)}"><polyline points="${coords}"/></svg>`;
    }).join("");
  }
}

function connect() {
  const source = new EventSource("/live");
  source.addEventListener("open", () => { $("connection").textContent = "live"; $("connection").className = "live"; });
  source.addEventListener("error", () => { $("connection").textContent = "reconnecting…"; $("connection").className = "down"; });
  source.addEventListener("snapshot", (e) => { cases.clear(); for (const c of JSON.parse(e.data)) cases.set(c.id, c); renderCases(); });
  source.addEventListener("cases", (e) => { for (const c of JSON.parse(e.data)) cases.set(c.id, c); renderCases(); });
  source.addEventListener("stats", (e) => renderStats(JSON.parse(e.data)));
}
connect();
</script>
</body>
</html>
"""#
}
