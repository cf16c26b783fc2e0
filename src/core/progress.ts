/**
 * Progress for long work: a live bar with rate and ETA on a TTY, a periodic plain line otherwise
 * (CI logs), nothing when disabled. One instance per task; call `done()` at the end.
 */
export type ProgressOptions = {
  label: string;
  total?: number; // unknown totals show count and rate only
  unit?: string; // "papers", "tokens", "B"
  stream?: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): boolean };
  enabled?: boolean;
  intervalMs?: number; // min time between redraws
  extra?: () => string; // appended to the line, e.g. "loss 3.21"
};

export type Progress = {
  tick(n?: number): void;
  set(value: number): void;
  setTotal(total: number): void;
  done(summary?: string): void;
  readonly value: number;
};

export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const enabled = opts.enabled ?? true;
  const tty = Boolean(stream.isTTY);
  const intervalMs = opts.intervalMs ?? (tty ? 100 : 5000);
  const unit = opts.unit ?? "it";
  let total = opts.total;
  let value = 0;
  const start = performance.now();
  let last = 0;

  const render = (final: boolean) => {
    const elapsedS = (performance.now() - start) / 1000;
    const rate = elapsedS > 0 ? value / elapsedS : 0;
    const parts = [opts.label];
    if (total && total > 0) {
      const frac = Math.min(1, value / total);
      if (tty) {
        const width = 24;
        const filled = Math.round(frac * width);
        parts.push(`[${"#".repeat(filled)}${"-".repeat(width - filled)}]`);
      }
      parts.push(`${(frac * 100).toFixed(1)}%`, `${fmt(value)}/${fmt(total)} ${unit}`);
      const etaS = rate > 0 ? (total - value) / rate : Number.NaN;
      parts.push(`${fmt(rate)} ${unit}/s`, final ? `in ${fmtTime(elapsedS)}` : `ETA ${fmtTime(etaS)}`);
    } else {
      parts.push(`${fmt(value)} ${unit}`, `${fmt(rate)} ${unit}/s`, fmtTime(elapsedS));
    }
    const extra = opts.extra?.();
    if (extra) parts.push(extra);
    const line = parts.join(" ");
    stream.write(tty ? `\r\x1b[2K${line}${final ? "\n" : ""}` : `${line}\n`);
  };
  const maybe = () => {
    if (!enabled) return;
    const now = performance.now();
    if (now - last >= intervalMs) {
      last = now;
      render(false);
    }
  };
  return {
    tick(n = 1) {
      value += n;
      maybe();
    },
    set(v) {
      value = v;
      maybe();
    },
    setTotal(t) {
      total = t;
    },
    done(summary) {
      if (!enabled) return;
      render(true);
      if (summary) stream.write(`${summary}\n`);
    },
    get value() {
      return value;
    },
  };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return "?";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

export function fmtTime(s: number): string {
  if (!Number.isFinite(s)) return "--:--";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
