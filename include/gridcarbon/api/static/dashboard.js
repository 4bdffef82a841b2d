// The carbon dashboard: reads the carbon API of this Airflow (relative URLs under <base href>, the browser's
// Airflow session cookie) and draws five Vega-Lite charts. Each chart container gets data-rendered="true" and
// data-points="<n>" once drawn, <body> data-ready once the first load is done and data-busy with the number of
// loads running (the browser test waits for them); errors go to #status and console.error.
"use strict";

const MODELS = ["average", "merit_order", "worst_emitter", "locality"];
const MODEL_COLORS = ["#1c7ed6", "#e67700", "#c92a2a", "#2b8a3e"];
const MODEL_SCALE = { domain: MODELS, range: MODEL_COLORS };
const DAY = 86400000;
const EMBED_OPTIONS = { actions: false, renderer: "svg" };

const $ = (id) => document.getElementById(id);

async function api(path, params) {
  const query = params ? "?" + new URLSearchParams(params).toString() : "";
  const response = await fetch(path + query, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) {
    let detail = "";
    try { detail = (await response.json()).detail || ""; } catch (e) { detail = response.statusText; }
    throw new Error(`${path}: HTTP ${response.status} ${detail}`);
  }
  return response.json();
}

function localDay(ms, timeZone) { return new Date(ms).toLocaleDateString("en-CA", { timeZone }); }

function status(message) { $("status").textContent = message || ""; }

async function draw(id, spec, points) {
  const element = $(id);
  element.removeAttribute("data-rendered");
  element.classList.remove("empty");
  const result = await vegaEmbed(element, { $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: "container", autosize: { type: "fit-x", contains: "padding" }, ...spec }, EMBED_OPTIONS);
  element.dataset.points = String(points);
  element.dataset.rendered = "true";
  return result;
}

function emptyNote(id, text) {
  const element = $(id);
  element.textContent = text;
  element.classList.add("empty");
  element.dataset.points = "0";
  element.dataset.rendered = "true";
}

// --------------------------------------------------------------------------------------------- household
function intervalRows(answer, scope) {
  const rows = [];
  for (const p of answer.periods) {
    for (const model of MODELS) {
      const e = (p.emissions[model] || {})[scope];
      if (e && e.intensity_g_per_kwh !== null) {
        rows.push({ t: p.period_start, model, intensity: e.intensity_g_per_kwh, status: e.status });
      }
    }
  }
  return rows;
}

function chartIntensity(answer, scope) {
  const consumption = answer.periods.map((p) => ({ t: p.period_start, kwh: p.consumption_kwh }));
  const lines = intervalRows(answer, scope);
  if (!consumption.length) return emptyNote("chart-intensity", "No intervals in this range.");
  return draw("chart-intensity", {
    height: 240,
    layer: [
      { data: { values: consumption }, mark: { type: "bar", color: "#ced4da" },
        encoding: { x: { field: "t", type: "temporal", title: null },
                    y: { field: "kwh", type: "quantitative", title: "consumption (kWh)", axis: { orient: "right" } },
                    tooltip: [{ field: "t", type: "temporal", timeUnit: "yearmonthdatehoursminutes" },
                              { field: "kwh", title: "kWh" }] } },
      { data: { values: lines }, mark: { type: "line", strokeWidth: 1.5, interpolate: "step-after" },
        encoding: { x: { field: "t", type: "temporal" },
                    y: { field: "intensity", type: "quantitative", title: `intensity (g/kWh, ${scope})` },
                    color: { field: "model", type: "nominal", scale: MODEL_SCALE, title: "model" },
                    tooltip: [{ field: "t", type: "temporal", timeUnit: "yearmonthdatehoursminutes" },
                              { field: "model" }, { field: "intensity", format: ".1f" }] } },
    ],
    resolve: { scale: { y: "independent" } },
  }, consumption.length + lines.length);
}

function chartDailyBand(answer, scope) {
  const band = [];
  const lines = [];
  for (const p of answer.periods) {
    const spread = p.spread[scope];
    if (spread) band.push({ day: p.local_date, low: spread.min_kg, high: spread.max_kg, complete: p.is_complete });
    for (const model of MODELS) {
      const e = (p.emissions[model] || {})[scope];
      if (e && e.emissions_kg !== null) {
        lines.push({ day: p.local_date, model, kg: e.emissions_kg, complete: p.is_complete,
                     unattributed: e.unattributed_interval_count });
      }
    }
  }
  if (!lines.length) return emptyNote("chart-daily-band", "No days with emissions in this range.");
  const x = { field: "day", type: "temporal", timeUnit: "utcyearmonthdate", title: null, scale: { type: "utc" } };
  return draw("chart-daily-band", {
    height: 240,
    layer: [
      { data: { values: band }, mark: { type: "area", opacity: 0.25, color: "#495057" },
        encoding: { x, y: { field: "low", type: "quantitative", title: `kg CO₂e per day (${scope})` },
                    y2: { field: "high" } } },
      { data: { values: lines }, mark: { type: "line", point: true, strokeWidth: 1.2 },
        encoding: { x, y: { field: "kg", type: "quantitative" },
                    color: { field: "model", type: "nominal", scale: MODEL_SCALE, title: "model" },
                    opacity: { condition: { test: "datum.complete", value: 1 }, value: 0.35 },
                    tooltip: [{ field: "day", type: "temporal", timeUnit: "utcyearmonthdate" }, { field: "model" },
                              { field: "kg", format: ".3f" }, { field: "complete" },
                              { field: "unattributed", title: "intervals without intensity" }] } },
    ],
  }, band.length + lines.length);
}

function chartEvShare(answer) {
  const rows = [];
  for (const p of answer.periods) {
    if (p.consumption_kwh === null) continue;
    const share = p.ev_share === null ? 0 : p.ev_share;
    rows.push({ day: p.local_date, part: "EV", kwh: p.ev_kwh || 0, share });
    rows.push({ day: p.local_date, part: "household", kwh: p.household_kwh || 0, share });
  }
  if (!rows.length) return emptyNote("chart-ev-share", "No consumption in this range.");
  return draw("chart-ev-share", {
    height: 240,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: { field: "day", type: "ordinal", timeUnit: "utcyearmonthdate", title: null,
           axis: { format: "%d %b", labelAngle: -45 } },
      y: { field: "kwh", type: "quantitative", stack: "zero", title: "kWh per day" },
      color: { field: "part", type: "nominal", scale: { domain: ["EV", "household"], range: ["#7048e8", "#adb5bd"] },
               title: null },
      tooltip: [{ field: "day", type: "temporal", timeUnit: "utcyearmonthdate" }, { field: "part" },
                { field: "kwh", format: ".2f" }, { field: "share", title: "EV share", format: ".0%" }],
    },
  }, rows.length);
}

function chartMonthly(answer, scope) {
  const rows = [];
  for (const p of answer.periods) {
    for (const model of MODELS) {
      const e = (p.emissions[model] || {})[scope];
      if (e && e.emissions_kg !== null) {
        rows.push({ month: p.local_date, model, kg: e.emissions_kg,
                    completeness: p.is_complete ? "complete" : `partial (${Math.round(p.covered_hours)} of ${Math.round(p.period_hours)} h)` });
      }
    }
  }
  if (!rows.length) return emptyNote("chart-monthly", "No months with emissions yet.");
  return draw("chart-monthly", {
    height: 240,
    data: { values: rows },
    mark: { type: "bar" },
    encoding: {
      x: { field: "month", type: "ordinal", timeUnit: "utcyearmonth", title: null, axis: { format: "%b %Y" } },
      xOffset: { field: "model", scale: { domain: MODELS } },
      y: { field: "kg", type: "quantitative", title: `kg CO₂e per month (${scope})` },
      color: { field: "model", type: "nominal", scale: MODEL_SCALE, title: "model" },
      opacity: { condition: { test: "datum.completeness === 'complete'", value: 1 }, value: 0.35 },
      tooltip: [{ field: "month", type: "temporal", timeUnit: "utcyearmonth" }, { field: "model" },
                { field: "kg", format: ".2f" }, { field: "completeness" }],
    },
  }, rows.length);
}

// A newer selection wins: answers to an older one that arrive late are dropped.
const runs = { household: 0, region: 0 };

async function showHousehold() {
  const run = ++runs.household;
  const id = $("household").value;
  const household = state.households.find((h) => h.household_id === id);
  if (!household || !household.last_interval_end) {
    for (const chart of ["chart-intensity", "chart-daily-band", "chart-ev-share", "chart-monthly"]) {
      emptyNote(chart, "This household has no intervals yet.");
    }
    return;
  }
  const scope = $("scope").value;
  const days = Number($("days").value);
  const end = Date.parse(household.last_interval_end);
  const first = Date.parse(household.first_interval_start);
  $("household-meta").textContent = `${household.household_id.slice(0, 12)}… · control area ${household.control_area || "not set"}`
    + ` · ${household.has_ev ? `EV ${household.ev_power_kw} kW` : "no EV"} · ${household.timezone}`
    + ` · data ${localDay(first, household.timezone)} .. ${localDay(end - 1, household.timezone)}`;
  const intervalStart = new Date(Math.max(first, end - days * DAY)).toISOString();
  const dayStart = new Date(Math.max(first, end - 90 * DAY)).toISOString();
  const [intervals, daysAnswer, months] = await Promise.all([
    api(`households/${id}/emissions`, { start: intervalStart, end: new Date(end).toISOString(), grain: "interval" }),
    api(`households/${id}/emissions`, { start: dayStart, end: new Date(end).toISOString(), grain: "day" }),
    api(`households/${id}/emissions`, { start: new Date(first).toISOString(), end: new Date(end).toISOString(),
                                        grain: "month" }),
  ]);
  if (run !== runs.household) return;
  await Promise.all([chartIntensity(intervals, scope), chartDailyBand(daysAnswer, scope), chartEvShare(daysAnswer),
                     chartMonthly(months, scope)]);
}

// --------------------------------------------------------------------------------------------- region
async function showRegion() {
  const run = ++runs.region;
  const zone = $("zone").value;
  if (!zone) return emptyNote("chart-heatmap", "No zones with data yet.");
  const answer = await api("grid/heatmap", { zone, model: $("grid-model").value, scope: $("scope").value });
  if (run !== runs.region) return;
  $("heatmap-caption").textContent = `${zone}: carbon intensity by local day and hour of day (${answer.timezone}, `
    + `${answer.model}, ${answer.scope}; g CO₂e/kWh; grey: not final)`;
  const cells = answer.cells.map((c) => ({ ...c, value: c.intensity_g_per_kwh }));
  if (!cells.length) return emptyNote("chart-heatmap", "No hours in this range.");
  const x = { field: "local_date", type: "ordinal", timeUnit: "utcyearmonthdate", title: null,
              axis: { format: "%d %b", labelAngle: -45 } };
  const y = { field: "hour", type: "ordinal", title: "hour of day", sort: "ascending" };
  const tooltip = [{ field: "local_date", type: "temporal", timeUnit: "utcyearmonthdate" }, { field: "hour" },
                   { field: "value", title: "g/kWh", format: ".1f" }, { field: "status" }];
  return draw("chart-heatmap", {
    height: 24 * 15,
    data: { values: cells },
    layer: [
      // every hour as a grey cell, the final ones coloured on top (a null colour would drop the cell)
      { mark: { type: "rect", color: "#dee2e6" }, encoding: { x, y, tooltip } },
      { transform: [{ filter: "datum.value !== null" }], mark: { type: "rect" },
        encoding: { x, y, tooltip,
                    color: { field: "value", type: "quantitative", scale: { scheme: "yelloworangered" },
                             title: "g/kWh" } } },
    ],
  }, cells.length);
}

// --------------------------------------------------------------------------------------------- wiring
const state = { households: [] };
let busy = 0;

// data-busy on <body>: how many loads are running (the browser test waits for 0 after each change)
function track(promise) {
  document.body.dataset.busy = String(++busy);
  return promise.finally(() => { document.body.dataset.busy = String(--busy); });
}

function fail(error) {
  console.error(error);
  status(String(error.message || error));
}

async function main() {
  const [households, zones] = await Promise.all([api("households"), api("v3/zones")]);
  state.households = households;
  for (const h of households) {
    const option = new Option(`${h.household_id.slice(0, 12)}… (${h.has_ev ? "EV" : "no EV"}, ${h.control_area || "?"})`,
                              h.household_id);
    $("household").add(option);
  }
  const withData = households.find((h) => h.last_interval_end);
  if (withData) $("household").value = withData.household_id;
  const zoneKeys = Object.keys(zones).sort((a, b) => (a === "DE" ? -1 : b === "DE" ? 1 : a.localeCompare(b)));
  for (const key of zoneKeys) $("zone").add(new Option(`${key} · ${zones[key].zoneName}`, key));
  $("household").addEventListener("change", () => track(showHousehold()).catch(fail));
  $("days").addEventListener("change", () => track(showHousehold()).catch(fail));
  $("scope").addEventListener("change", () => track(Promise.all([showHousehold(), showRegion()])).catch(fail));
  $("zone").addEventListener("change", () => track(showRegion()).catch(fail));
  $("grid-model").addEventListener("change", () => track(showRegion()).catch(fail));
  if (!households.length) status("No households in the marts yet: run the transform_warehouse DAG.");
  await Promise.all([households.length ? showHousehold() : Promise.resolve(), showRegion()]);
  document.body.dataset.ready = "true";
}

window.dashboardReady = track(main()).catch((error) => { fail(error); document.body.dataset.ready = "error"; });
