// Sizes in words: 12 KB, 4.1 MB, 1.71 GB (the one formatter of the shell and the worker), and the room the browser
// leaves the app, which both the shell (before a copy) and the worker (after one failed) tell the user.

export const formatBytes = (bytes) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB`
  : bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MB`
  : `${(bytes / 1024 ** 3).toFixed(2)} GB`;

/** The bytes this browser lets the app store beyond what it stores now; null when it does not say. */
export async function roomLeft() {
  /** @type {StorageEstimate} */
  const estimate = (await navigator.storage?.estimate?.().catch(() => null)) ?? {};
  return estimate.quota ? Math.max(estimate.quota - (estimate.usage ?? 0), 0) : null;
}
