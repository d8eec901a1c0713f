// Files imported as text (`?raw`): resolved by Vite in tests and by the esbuild
// plugin in scripts/build.mjs for the bundles.
declare module "*?raw" {
  const text: string;
  export default text;
}
