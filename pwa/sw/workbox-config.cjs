// workbox-cli injectManifest settings; build.py runs it from the project root after staging the build in $DIST.
const dist = process.env.DIST ?? "dist";

module.exports = {
  globDirectory: `${dist}/`,
  globPatterns: ["**/*"],
  // The service worker must not precache itself.
  globIgnores: ["sw.js"],
  // Workbox silently skips files over 2 MiB by default, and the Python runtime is 9 MB.
  maximumFileSizeToCacheInBytes: 64 * 1024 * 1024,
  swSrc: ".cache/sw.bundle.js",
  swDest: `${dist}/sw.js`,
};
