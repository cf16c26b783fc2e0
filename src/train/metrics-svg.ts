import { type MetricsRecord, metricSeries } from "./metrics-log.js";

/** One panel of the plot: which metric keys it draws, against the step. */
export type PlotPanel = { title: string; keys: string[] };

export const DEFAULT_PANELS: PlotPanel[] = [
  { title: "loss", keys: ["loss/train", "loss/val"] },
  { title: "learning rate", keys: ["lr"] },
];

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
const W = 720;
const PANEL_H = 260;
const M = { left: 70, right: 20, top: 30, bottom: 40 };

/**
 * Renders training curves as a standalone SVG: one panel per entry (shared step axis), each with
 * axes, ticks, grid lines and a legend naming its series. Keys absent from the records are skipped.
 */
export function renderMetricsSvg(
  records: MetricsRecord[],
  o: { title?: string; panels?: PlotPanel[]; xLabel?: string } = {},
): string {
  const panels = o.panels ?? DEFAULT_PANELS;
  const steps = records.map((r) => r.step);
  const xMin = steps.length ? Math.min(...steps) : 0;
  const xMax = steps.length ? Math.max(...steps) : 1;
  const height = panels.length * PANEL_H + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
  ];
  if (o.title) parts.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(o.title)}</text>`);
  panels.forEach((panel, i) => {
    parts.push(renderPanel(records, panel, { y0: 30 + i * PANEL_H, xMin, xMax, xLabel: o.xLabel ?? "step" }));
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

function renderPanel(
  records: MetricsRecord[],
  panel: PlotPanel,
  at: { y0: number; xMin: number; xMax: number; xLabel: string },
): string {
  const series = panel.keys
    .map((key, i) => ({ key, color: COLORS[i % COLORS.length] as string, points: metricSeries(records, key) }))
    .filter((s) => s.points.length > 0);
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  let yMin = ys.length ? Math.min(...ys) : 0;
  let yMax = ys.length ? Math.max(...ys) : 1;
  if (yMax === yMin) {
    yMin -= Math.abs(yMin) * 0.1 || 1;
    yMax += Math.abs(yMax) * 0.1 || 1;
  }
  const xTicks = niceTicks(at.xMin, at.xMax === at.xMin ? at.xMin + 1 : at.xMax, 8);
  const yTicks = niceTicks(yMin, yMax, 5);
  const x0 = M.left;
  const x1 = W - M.right;
  const top = at.y0 + M.top;
  const bottom = at.y0 + PANEL_H - M.bottom;
  const xLo = Math.min(at.xMin, xTicks[0] as number);
  const xHi = Math.max(at.xMax, xTicks[xTicks.length - 1] as number);
  const yLo = Math.min(yMin, yTicks[0] as number);
  const yHi = Math.max(yMax, yTicks[yTicks.length - 1] as number);
  const sx = (x: number) => x0 + ((x - xLo) / (xHi - xLo || 1)) * (x1 - x0);
  const sy = (y: number) => bottom - ((y - yLo) / (yHi - yLo || 1)) * (bottom - top);
  const out = [`<g class="panel" data-title="${escapeXml(panel.title)}">`];
  out.push(`<text x="${x0}" y="${at.y0 + 18}" font-size="12" font-weight="bold">${escapeXml(panel.title)}</text>`);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${x0}" y1="${y}" x2="${x1}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`);
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${bottom}" x2="${x}" y2="${bottom + 5}" stroke="black"/>`);
    out.push(`<text x="${x}" y="${bottom + 17}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  out.push(`<line class="axis" x1="${x0}" y1="${bottom}" x2="${x1}" y2="${bottom}" stroke="black"/>`);
  out.push(`<line class="axis" x1="${x0}" y1="${top}" x2="${x0}" y2="${bottom}" stroke="black"/>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${bottom + 32}" text-anchor="middle">${escapeXml(at.xLabel)}</text>`);
  series.forEach((s, i) => {
    const d = s.points.map(([x, y], j) => `${j === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
    out.push(
      `<path class="series" data-key="${escapeXml(s.key)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`,
    );
    if (s.points.length === 1) {
      const [x, y] = s.points[0] as [number, number];
      out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    }
    const ly = top + 4 + i * 16;
    out.push(`<line x1="${x1 - 120}" y1="${ly}" x2="${x1 - 100}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`);
    out.push(`<text class="legend" x="${x1 - 95}" y="${ly}" dominant-baseline="middle">${escapeXml(s.key)}</text>`);
  });
  if (series.length === 0)
    out.push(`<text x="${(x0 + x1) / 2}" y="${(top + bottom) / 2}" text-anchor="middle" fill="#888">no data</text>`);
  out.push("</g>");
  return out.join("\n");
}

/** Round tick values (1, 2, 5 x 10^k steps) covering [lo, hi] with about `n` ticks. */
export function niceTicks(lo: number, hi: number, n: number): number[] {
  const raw = (hi - lo) / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const first = Math.floor(lo / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if ((ticks[ticks.length - 1] as number) < hi) ticks.push(Number((first + ticks.length * step).toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
