// Where the JS-side allocator may start: everything below __heap_base holds the
// module's static data. Kernels never allocate, so the runtime owns the rest.
export function heap_base(): usize {
  return (__heap_base + 15) & ~15;
}
