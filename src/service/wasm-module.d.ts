// A .wasm import in an edge entry is a precompiled WebAssembly.Module (CompiledWasm rule).
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
