// Pan and zoom for the schema diagram page (plugin/templates/pwa_diagram.html, which loads this as a module): drag to
// move; wheel, pinch or the +/- buttons to zoom. All of them change the SVG's viewBox, so the drawing stays sharp at
// every scale. Pointing at a table lifts its foreign-key lines above the other boxes (they are drawn underneath, so
// that names stay readable).

/** @typedef {{x: number, y: number, w: number, h: number}} View */

/** @param {SVGSVGElement} svg */
function diagram(svg) {
  const base = svg.viewBox.baseVal;
  const top = document.createElementNS("http://www.w3.org/2000/svg", "g");
  svg.append(top);
  /** @type {View} */
  const full = { x: base.x, y: base.y, w: base.width, h: base.height };
  return { svg, full, view: { ...full }, pointers: new Map(), lines: svg.querySelector(".erd-fks"), top };
}

function show(d) {
  d.svg.setAttribute("viewBox", `${d.view.x} ${d.view.y} ${d.view.w} ${d.view.h}`);
}

// Diagram units per screen pixel: with the default preserveAspectRatio ("meet") the larger ratio applies.
function scale(d) {
  const r = d.svg.getBoundingClientRect();
  return Math.max(d.view.w / (r.width || 1), d.view.h / (r.height || 1));
}

// The diagram point under a point of the screen (the viewBox is centred in the element).
function at(d, clientX, clientY) {
  const r = d.svg.getBoundingClientRect();
  const s = scale(d);
  return {
    x: d.view.x + d.view.w / 2 + (clientX - r.left - r.width / 2) * s,
    y: d.view.y + d.view.h / 2 + (clientY - r.top - r.height / 2) * s,
  };
}

// Scale the view by factor (below 1 zooms in) about point: at most 8 screen pixels a unit, at least 3 whole diagrams.
function zoom(d, factor, point) {
  const f = Math.min(Math.max(factor, 0.125 / scale(d)), (3 * d.full.w) / d.view.w);
  const v = d.view;
  d.view = { x: point.x - (point.x - v.x) * f, y: point.y - (point.y - v.y) * f, w: v.w * f, h: v.h * f };
  show(d);
}

/** How far apart the first two pointers are. @param {{x: number, y: number}[]} points */
function distance([a, b]) {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

// One pointer drags the view; two pinch it about their midpoint.
function move(d, event) {
  const previous = d.pointers.get(event.pointerId);
  if (!previous) return;
  const before = [...d.pointers.values()];
  d.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
  if (d.pointers.size === 1) {
    const s = scale(d);
    d.view.x -= (event.clientX - previous.x) * s;
    d.view.y -= (event.clientY - previous.y) * s;
    show(d);
  } else if (d.pointers.size === 2) {
    const after = [...d.pointers.values()];
    if (distance(before) > 0 && distance(after) > 0) {
      const middle = at(d, (after[0].x + after[1].x) / 2, (after[0].y + after[1].y) / 2);
      zoom(d, distance(before) / distance(after), middle);
    }
  }
}

function listenToPointers(d) {
  const release = (event) => {
    d.pointers.delete(event.pointerId);
    if (!d.pointers.size) d.svg.classList.remove("pwa-dragging");
  };
  d.svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    d.svg.setPointerCapture(event.pointerId);
    d.pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
    d.svg.classList.add("pwa-dragging");
  });
  d.svg.addEventListener("pointermove", (event) => move(d, event));
  d.svg.addEventListener("pointerup", release);
  d.svg.addEventListener("pointercancel", release);
  const wheel = (event) => {
    event.preventDefault();
    const step = event.deltaMode === 1 ? 0.05 : event.deltaMode === 2 ? 1 : 0.002; // lines, pages, pixels
    zoom(d, Math.exp(event.deltaY * step), at(d, event.clientX, event.clientY));
  };
  d.svg.addEventListener("wheel", wheel, { passive: false });
}

// The +, - and Fit buttons: zoom about the middle of the view (touch screens have no wheel), or show it all.
function listenToButtons(d) {
  const factors = { in: 1 / 1.25, out: 1.25 };
  for (const button of document.querySelectorAll("[data-diagram-zoom]")) {
    button.addEventListener("click", () => {
      const how = button.getAttribute("data-diagram-zoom");
      if (how === "fit") {
        d.view = { ...d.full };
        show(d);
      } else {
        const r = d.svg.getBoundingClientRect();
        zoom(d, factors[how], at(d, r.left + r.width / 2, r.top + r.height / 2));
      }
    });
  }
}

function highlight(d, box, on) {
  box.classList.toggle("erd-on", on);
  for (const line of d.svg.querySelectorAll(`[data-from-box="${box.id}"], [data-to-box="${box.id}"]`)) {
    line.classList.toggle("erd-on", on);
    (on ? d.top : d.lines).append(line);
  }
}

function listenToHover(d) {
  const boxOf = (event) => {
    const box = event.target instanceof Element ? event.target.closest(".erd-box") : null;
    // Moving between a box's own parts is no entering or leaving.
    return box && !(event.relatedTarget instanceof Node && box.contains(event.relatedTarget)) ? box : null;
  };
  d.svg.addEventListener("pointerover", (event) => {
    const box = boxOf(event);
    if (box) highlight(d, box, true);
  });
  d.svg.addEventListener("pointerout", (event) => {
    const box = boxOf(event);
    if (box) highlight(d, box, false);
  });
}

const svg = document.querySelector(".pwa-diagram svg");
if (svg instanceof SVGSVGElement) {
  const d = diagram(svg);
  listenToPointers(d);
  listenToButtons(d);
  listenToHover(d);
}
