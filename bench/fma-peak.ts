/**
 * This machine's per-core float32 peak: a native loop of independent FMAs on 256-bit (AVX2) and 512-bit (AVX-512)
 * registers, timed by thread CPU time, best ~20 ms round of each `--seconds` window, `--rounds` windows.
 * The figure the benches divide by when they report a share of peak.
 *
 *   npx tsx bench/fma-peak.ts [--seconds 0.5] [--rounds 3]
 */
import os from "node:os";
// The probe measures the hardware under the backend, so it reaches past src/engine/index.ts to the kernels.
import { kernels } from "../src/engine/index.js";
import { benchArg } from "./bench-arg.js";

const seconds = Number(benchArg("seconds", "0.5"));
const rounds = Number(benchArg("rounds", "3"));
const k = kernels();
const isas = k.cpuHasAvx512() ? (["avx2", "avx512"] as const) : (["avx2"] as const);
console.log(`${new Date().toISOString()} ${os.cpus()[0]?.model ?? "cpu"}, load average ${os.loadavg()[0]?.toFixed(1)}`);
for (const isa of isas) {
  const runs = Array.from({ length: rounds }, () => k.fmaPeakGflops(isa, seconds));
  console.log(
    `${isa.padEnd(6)} peak ${Math.max(...runs).toFixed(1)} GFLOP/s per core (rounds: ${runs.map((r) => r.toFixed(1)).join(", ")})`,
  );
}
