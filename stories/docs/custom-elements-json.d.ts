// custom-elements.json is generated (npm run manifest / npm run build) and not committed: the
// typecheck of a fresh checkout runs before it exists, and then sees this shape instead.
declare module '*/custom-elements.json' {
  const manifest: import('./manifest.js').Manifest;
  export default manifest;
}
