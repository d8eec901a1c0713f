// Counter-based random numbers: value i of stream s under seed k is a pure
// function hash(k, s, i) (SplitMix64 finaliser applied twice), so any block of a
// huge random matrix can be regenerated on demand, in any order, on any thread,
// with the same bits on every runtime. Normals use Box-Muller on pairs
// (2j, 2j+1), with log/cos/sin from AssemblyScript's own Math (compiled into the
// module, never the host's), so they too are identical everywhere.
//
//   uniform01(k, s, i) in [0, 1): top 53 bits of the hash, times 2^-53
//   normal(k, s, i):   Box-Muller of uniforms (2*floor(i/2), +1); cos for even i, sin for odd

// @ts-ignore: decorator
@inline function mix64(z: u64): u64 {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

// @ts-ignore: decorator
@inline export function rng_hash(seed: u64, stream: u64, i: u64): u64 {
  const a = mix64(seed * 0x9E3779B97F4A7C15 + stream * 0xD1B54A32D192ED03 + 0x632BE59BD9B4E019);
  return mix64(a + i * 0x9E3779B97F4A7C15);
}

// @ts-ignore: decorator
@inline export function rng_u01(seed: u64, stream: u64, i: u64): f64 {
  return <f64>(rng_hash(seed, stream, i) >> 11) * 1.1102230246251565e-16; // 2^-53
}

export function rng_normal_at(seed: u64, stream: u64, i: u64): f64 {
  const j = i & ~(<u64>1);
  const u1 = 1.0 - rng_u01(seed, stream, j); // (0, 1]: log is finite
  const u2 = rng_u01(seed, stream, j + 1);
  const r = Math.sqrt(-2.0 * Math.log(u1));
  const t = 6.283185307179586 * u2;
  return (i & 1) ? r * Math.sin(t) : r * Math.cos(t);
}

/** out[j] = U[0,1) draws for counters offset..offset+n-1. */
export function rng_uniform_f64(seed: u64, stream: u64, offset: u64, n: i32, out: usize): void {
  for (let j = 0; j < n; j++) store<f64>(out + (<usize>j << 3), rng_u01(seed, stream, offset + <u64>j));
}

/** out[j] = N(0,1) draws for counters offset..offset+n-1. */
export function rng_normal_f64(seed: u64, stream: u64, offset: u64, n: i32, out: usize): void {
  let j = 0;
  if (n > 0 && (offset & 1)) { store<f64>(out, rng_normal_at(seed, stream, offset)); j = 1; }
  // whole Box-Muller pairs: one log/sqrt for both values (the same bits as rng_normal_at)
  for (; j + 2 <= n; j += 2) {
    const i = offset + <u64>j;
    const u1 = 1.0 - rng_u01(seed, stream, i);
    const u2 = rng_u01(seed, stream, i + 1);
    const r = Math.sqrt(-2.0 * Math.log(u1));
    const t = 6.283185307179586 * u2;
    store<f64>(out + (<usize>j << 3), r * Math.cos(t));
    store<f64>(out + (<usize>(j + 1) << 3), r * Math.sin(t));
  }
  if (j < n) store<f64>(out + (<usize>j << 3), rng_normal_at(seed, stream, offset + <u64>j));
}

/** out[j] = +-1 with probability 1/2 each (Rademacher). */
export function rng_rademacher_f64(seed: u64, stream: u64, offset: u64, n: i32, out: usize): void {
  for (let j = 0; j < n; j++) store<f64>(out + (<usize>j << 3), (rng_hash(seed, stream, offset + <u64>j) >> 63) ? 1.0 : -1.0);
}
