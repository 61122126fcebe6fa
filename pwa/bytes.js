// Sizes in words: 12 KB, 4.1 MB, 1.71 GB. The one formatter of the shell and the worker.

export const formatBytes = (bytes) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB`
  : bytes < 1024 ** 3 ? `${(bytes / 1024 ** 2).toFixed(1)} MB`
  : `${(bytes / 1024 ** 3).toFixed(2)} GB`;
