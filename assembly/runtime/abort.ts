// Aborts reach JavaScript as a numeric code, never as a raw wasm trap with strings:
// the core is built without a GC runtime, so messages stay on the JS side.
@external("env", "ntk_abort")
declare function ntk_abort(line: u32, column: u32): void;

export function abort(message: usize, fileName: usize, line: u32, column: u32): void {
  ntk_abort(line, column);
  unreachable();
}
