// Kendall tau-b of 10^6 pairs with ties (Knight's O(n log n) algorithm) against
// scipy.stats.kendalltau on the same data. Target: under 1 s.
// "ntkscope" counts in the wasm core (kendallTau with a ctx); "ntkscope TS" is the
// TypeScript fallback used when no ctx is given. Both give the same bits.
//   node bench/run.mjs kendall [--quick]
import { kendallTau } from "../src/analysis/kendall.js";
import { createCtx, main, parseArgs, Suite } from "./lib.js";

main(async () => {
  const args = parseArgs();
  const suite = new Suite("kendall", args);
  const ctx = (await createCtx(1)).ctx!;
  for (const n of args.quick ? [100_000] : [100_000, 1_000_000]) {
    // ties in both: x has 10007 distinct values, y = x + 1009 levels of noise
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { x[i] = (i * 7919) % 10007; y[i] = x[i] + ((i * 104729) % 1009); }
    let tau = NaN, tauTs = NaN;
    await suite.run({
      name: `kendall tau-b n=${n}`,
      impls: [
        { name: "ntkscope", kind: "ntkscope", fn: () => { tau = kendallTau(x, y, ctx).tau; } },
        { name: "ntkscope TS", kind: "ntkscope", fn: () => { tauTs = kendallTau(x, y).tau; } },
        { name: "scipy kendalltau", kind: "python", python: {
          setup: `import scipy.stats as st\ni = np.arange(${n}, dtype=np.int64); x = ((i * 7919) % 10007).astype(float); y = x + ((i * 104729) % 1009)`,
          stmt: "st.kendalltau(x, y)", threads: 1 } },
      ],
    });
    suite.note(`n=${n}: tau = ${tau} (wasm), ${tauTs} (TS)${Object.is(tau, tauTs) ? "" : " MISMATCH"}`);
  }
  suite.save();
});
