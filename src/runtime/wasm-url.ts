// Where the .wasm files live relative to this module. In the source tree they are
// built into dist/; the bundler swaps this file for one pointing next to the bundle.
export function wasmUrl(name: string): URL {
  return new URL(`../../dist/${name}`, import.meta.url);
}
