import { DIMENSIONS } from "../api";

/** The control strengths (eps per dimension) a sentence was written with, as three bars scaled to `max`. */
export function StrengthBars({ strengths, max }: { strengths: number[]; max: number }) {
  if (strengths.length === 0)
    return (
      <span className="no-steer" title="no steering applied">
        ·
      </span>
    );
  return (
    <span className="strengths" role="img" aria-label={strengthLabel(strengths)} data-testid="strength-bars">
      {DIMENSIONS.map((d, i) => {
        const eps = strengths[i] ?? 0;
        return (
          <span key={d} className={`bar ${d}`} title={`${d} ${eps.toFixed(3)}`}>
            <span style={{ width: `${Math.min(100, (Math.abs(eps) / (max || 1)) * 100)}%` }} />
          </span>
        );
      })}
    </span>
  );
}

const strengthLabel = (s: number[]) =>
  `strengths: ${DIMENSIONS.map((d, i) => `${d} ${(s[i] ?? 0).toFixed(3)}`).join(", ")}`;
