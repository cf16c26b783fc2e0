/**
 * Accumulates generated text, cuts it at the first stop sequence, and says how much of it is safe
 * to stream: text that could still turn out to be the start of a stop sequence is held back.
 */
export class StopText {
  private full = "";
  private emitted = 0;
  private stoppedAt = -1;

  constructor(private readonly stops: readonly string[]) {
    if (stops.some((s) => s.length === 0)) throw new RangeError("stop sequences must not be empty");
  }

  get stopped(): boolean {
    return this.stoppedAt >= 0;
  }

  /** The text so far, without the stop sequence and what followed it. */
  get text(): string {
    return this.stopped ? this.full.slice(0, this.stoppedAt) : this.full;
  }

  /** Adds a piece; returns the newly safe text to stream ("" when all of it is held back). */
  push(piece: string): string {
    if (this.stopped) return "";
    const searchFrom = Math.max(0, this.full.length - this.maxStopLength() + 1);
    this.full += piece;
    let cut = -1;
    for (const s of this.stops) {
      const i = this.full.indexOf(s, searchFrom);
      if (i >= 0 && (cut < 0 || i < cut)) cut = i;
    }
    if (cut >= 0) {
      this.stoppedAt = cut;
      return this.take(cut);
    }
    return this.take(this.full.length - this.heldBack());
  }

  /** Everything not streamed yet (call once generation ended). */
  flush(): string {
    return this.take(this.text.length);
  }

  private take(upTo: number): string {
    if (upTo <= this.emitted) return "";
    const out = this.full.slice(this.emitted, upTo);
    this.emitted = upTo;
    return out;
  }

  /** Length of the longest suffix of the text that is a proper prefix of some stop sequence. */
  private heldBack(): number {
    let best = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.full.length); n > best; n--) {
        if (this.full.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }

  private maxStopLength(): number {
    return this.stops.reduce((m, s) => Math.max(m, s.length), 0);
  }
}
