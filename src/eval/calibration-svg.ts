import type { CalibrationBin } from "./calibration-bins.js";

export type CalibrationPanel = { title: string; series: { name: string; bins: CalibrationBin[] }[] };

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Reliability plot, one panel per dimension: x the mean score of a bin, y the bin's mean label
 * percentile; the dashed diagonal is a perfectly calibrated percentile scorer, a flat line at 0.5
 * one that knows nothing. Plain SVG, no dependencies.
 */
export function calibrationSvg(panels: readonly CalibrationPanel[]): string {
  const W = 260;
  const H = 260;
  const pad = 36;
  const inner = W - 2 * pad;
  const out: string[] = [];
  const total = panels.length * W;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${H + 30}" viewBox="0 0 ${total} ${H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  );
  panels.forEach((p, k) => {
    const ox = k * W;
    const X = (v: number) => (ox + pad + v * inner).toFixed(1);
    const Y = (v: number) => (pad + (1 - v) * inner).toFixed(1);
    out.push(
      `<text x="${ox + W / 2}" y="18" text-anchor="middle" font-size="13">${esc(p.title)}</text>`,
      `<rect x="${X(0)}" y="${Y(1)}" width="${inner}" height="${inner}" fill="none" stroke="#999"/>`,
      `<line x1="${X(0)}" y1="${Y(0)}" x2="${X(1)}" y2="${Y(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`,
    );
    for (const t of [0, 0.5, 1])
      out.push(
        `<text x="${X(t)}" y="${pad + inner + 14}" text-anchor="middle">${t}</text>`,
        `<text x="${ox + pad - 6}" y="${Number(Y(t)) + 4}" text-anchor="end">${t}</text>`,
      );
    out.push(
      `<text x="${ox + W / 2}" y="${pad + inner + 28}" text-anchor="middle">score</text>`,
      `<text x="${ox + 10}" y="${pad + inner / 2}" transform="rotate(-90 ${ox + 10} ${pad + inner / 2})" text-anchor="middle">label percentile</text>`,
    );
    p.series.forEach((s, j) => {
      const color = COLORS[j % COLORS.length];
      const pts = s.bins.filter((b) => b.n > 0 && b.meanScore !== null && b.meanLabel !== null);
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.map((b) => `${X(b.meanScore as number)},${Y(b.meanLabel as number)}`).join(" ")}"/>`,
        ...pts.map(
          (b) =>
            `<circle cx="${X(b.meanScore as number)}" cy="${Y(b.meanLabel as number)}" r="2.5" fill="${color}"><title>${b.n} papers</title></circle>`,
        ),
        `<text x="${ox + pad + 6}" y="${pad + 14 + 13 * j}" fill="${color}">${esc(s.name)}</text>`,
      );
    });
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
