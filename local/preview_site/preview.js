// Lays out a dashboard body on a 24-column grid and renders each custom widget the way the
// CloudWatch console does: POST the event to the function, show its HTML without scripts, and
// turn every <cwdb-action> into a call of its endpoint.
"use strict";

const ROW_PX = 30;
const GAP_PX = 8;
const TITLE_PX = 31;
const grid = document.getElementById("grid");
const body = JSON.parse(document.getElementById("dashboard-body").textContent);
const state = { range: body.start || "-PT3H", end: body.end || null, dark: false, timezone: "utc" };
let pending = 0;

function durationMs(text) {
  const match = /^-P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!match) return null;
  const [, w, d, h, m, s] = match.map((part) => Number(part || 0));
  return ((((w * 7 + d) * 24 + h) * 60 + m) * 60 + s) * 1000;
}

function timeRange() {
  const relative = durationMs(state.range);
  if (relative !== null) {
    const end = Date.now();
    return { start: end - relative, end };
  }
  return { start: Date.parse(state.range), end: state.end ? Date.parse(state.end) : Date.now() };
}

function timezoneOffsetMinutes() {
  return state.timezone === "local" ? -new Date().getTimezoneOffset() : 0;
}

function formValues(frame) {
  const values = {};
  for (const field of frame.querySelectorAll("input[name], select[name], textarea[name]")) {
    if ((field.type === "checkbox" || field.type === "radio") && !field.checked) continue;
    values[field.name] = field.value;
  }
  return values;
}

function sanitized(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const script of template.content.querySelectorAll("script, iframe, object, embed")) script.remove();
  for (const element of template.content.querySelectorAll("*")) {
    for (const attribute of [...element.attributes]) {
      if (attribute.name.startsWith("on") || /^\s*javascript:/i.test(attribute.value)) element.removeAttribute(attribute.name);
    }
  }
  return template.content;
}

function widgetContext(frame) {
  const range = timeRange();
  const content = frame.querySelector(".widget-content");
  return {
    start: range.start,
    end: range.end,
    width: Math.round(content.clientWidth),
    height: Math.round(content.clientHeight),
    theme: state.dark ? "dark" : "light",
    timezoneOffsetMinutes: timezoneOffsetMinutes(),
  };
}

async function post(path, request) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(request),
  });
  return { ok: response.ok, text: await response.text() };
}

async function callFunction(endpoint, params, frame, widget) {
  const context = {
    ...widgetContext(frame),
    forms: formValues(frame),
    dashboardName: grid.dataset.dashboard,
    widgetId: frame.id,
    title: (widget.properties || {}).title || "",
    // the widget's own parameters, apart from a button's payload, as the console sends them
    params: (widget.properties || {}).params || {},
  };
  return post("/api/call", { endpoint, params, context });
}

async function fetchMetric(frame, widget) {
  return post("/api/metric", { properties: widget.properties || {}, context: widgetContext(frame) });
}

async function render(frame, widget, params) {
  const content = frame.querySelector(".widget-content");
  pending += 1;
  document.body.dataset.ready = "false";
  content.dataset.state = "loading";
  try {
    const result =
      widget.type === "metric"
        ? await fetchMetric(frame, widget)
        : await callFunction(widget.properties.endpoint, params, frame, widget);
    show(frame, widget, result);
  } catch (error) {
    show(frame, widget, { ok: false, text: String(error) });
  } finally {
    content.dataset.state = "done";
    pending -= 1;
    if (pending === 0) document.body.dataset.ready = "true";
  }
}

function show(frame, widget, result) {
  const content = frame.querySelector(".widget-content");
  content.replaceChildren();
  if (!result.ok) {
    const error = document.createElement("div");
    error.className = "widget-error";
    error.textContent = `Error in the widget's function: ${result.text}`;
    content.append(error);
    return;
  }
  content.append(sanitized(result.text));
  wireActions(frame, widget);
}

function wireActions(frame, widget) {
  for (const action of frame.querySelectorAll("cwdb-action")) {
    const trigger = action.previousElementSibling;
    if (!trigger) continue;
    trigger.addEventListener("click", async (event) => {
      event.preventDefault();
      if (trigger.hasAttribute("disabled")) return;
      const confirmation = action.getAttribute("confirmation");
      if (confirmation && !window.confirm(confirmation)) return;
      let payload = {};
      try {
        payload = JSON.parse(action.textContent || "{}");
      } catch (error) {
        payload = {};
      }
      const endpoint = action.getAttribute("endpoint");
      if (action.getAttribute("display") === "popup") {
        const result = await callFunction(endpoint, payload, frame, widget);
        const dialog = document.getElementById("popup");
        dialog.querySelector(".popup-body").replaceChildren(result.ok ? sanitized(result.text) : result.text);
        dialog.showModal();
        return;
      }
      frame.dataset.params = JSON.stringify(payload);
      await render(frame, { ...widget, properties: { ...widget.properties, endpoint } }, payload);
    });
  }
  for (const link of frame.querySelectorAll('a[href^="#dashboards:name="]')) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const name = decodeURIComponent(link.getAttribute("href").slice("#dashboards:name=".length));
      window.location.href = `/dashboards/${encodeURIComponent(name)}`;
    });
  }
}

function layout() {
  grid.replaceChildren();
  (body.widgets || []).forEach((widget, index) => {
    const frame = document.createElement("section");
    frame.className = "widget";
    frame.id = `widget-${index}`;
    frame.style.gridColumn = `${(widget.x || 0) + 1} / span ${widget.width || 6}`;
    frame.style.gridRow = `${(widget.y || 0) + 1} / span ${widget.height || 6}`;
    const title = document.createElement("div");
    title.className = "widget-title";
    title.textContent = (widget.properties || {}).title || "";
    const content = document.createElement("div");
    content.className = "widget-content";
    content.style.height = `${(widget.height || 6) * (ROW_PX + GAP_PX) - GAP_PX - TITLE_PX}px`;
    frame.append(title, content);
    grid.append(frame);
  });
}

function renderAll() {
  (body.widgets || []).forEach((widget, index) => {
    const frame = document.getElementById(`widget-${index}`);
    if (widget.type !== "custom" && widget.type !== "metric") {
      show(frame, widget, { ok: false, text: `${widget.type} widgets are not previewed` });
      return;
    }
    render(frame, widget, (widget.properties || {}).params || {});
  });
}

function localInput(epochMs) {
  const date = new Date(epochMs);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function setUpToolbar() {
  const range = document.getElementById("range");
  const absolute = document.getElementById("absolute");
  const known = [...range.options].some((option) => option.value === state.range);
  range.value = known ? state.range : "absolute";
  absolute.hidden = range.value !== "absolute";
  const current = timeRange();
  document.getElementById("start").value = localInput(current.start);
  document.getElementById("end").value = localInput(current.end);
  range.addEventListener("change", () => {
    absolute.hidden = range.value !== "absolute";
    if (range.value !== "absolute") {
      state.range = range.value;
      state.end = null;
      renderAll();
    }
  });
  document.getElementById("apply").addEventListener("click", () => {
    state.range = new Date(document.getElementById("start").value).toISOString();
    state.end = new Date(document.getElementById("end").value).toISOString();
    renderAll();
  });
  document.getElementById("dark").addEventListener("change", (event) => {
    state.dark = event.target.checked;
    document.body.classList.toggle("dark", state.dark);
    document.body.classList.toggle("light", !state.dark);
    renderAll();
  });
  document.getElementById("timezone").addEventListener("change", (event) => {
    state.timezone = event.target.value;
    renderAll();
  });
  document.getElementById("refresh").addEventListener("click", renderAll);
}

setUpToolbar();
layout();
renderAll();
