// Reading a File (or a download's body) a chunk at a time, and copying it into Pyodide's in-memory filesystem, where
// Python reads imports (and the memory-only library keeps its databases): never whole in JavaScript.

/**
 * A File's bytes in order, read into one reused 1 MB buffer (a BYOB reader): a default reader hands out a new
 * ArrayBuffer per chunk, garbage that V8 collects late, and copying a 1.7 GB file held +280 MB in the worker's
 * process that way (+21 MB like this). Each chunk is only valid until the next one is asked for.
 */
export async function* chunksOf(file, signal) {
  const stream = file.stream();
  let reader;
  let buffer;
  try {
    reader = stream.getReader({ mode: "byob" });
    buffer = new ArrayBuffer(1024 * 1024);
  } catch {
    reader = stream.getReader(); // not a byte stream in this browser
  }
  try {
    for (;;) {
      if (signal.aborted) throw signal.reason;
      const { done, value } = await unlessStalled(buffer ? reader.read(new Uint8Array(buffer)) : reader.read(), file);
      if (done) return;
      yield value;
      if (buffer) buffer = value.buffer; // the read took the buffer over and handed it back in value
    }
  } finally {
    reader.cancel().catch(() => {}); // stops reading the file when the copy stops early
  }
}

// Copying a 9.95 GB file, Chromium's reads of it once stopped answering at about 6 GB, with no error (2 runs of 3;
// benchmarks/ten_gb.py): a copy that gets no data for this long fails, saying so, rather than hang for ever.
const STALLED_MS = 60_000;

function unlessStalled(read, file) {
  let timer;
  const stalled = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`The browser stopped reading ${file.name ?? "the file"}: no data came ` +
      `for ${STALLED_MS / 1000} s. Try again; for a very big database, In place… reads it without copying it.`)), STALLED_MS);
  });
  return Promise.race([read, stalled]).finally(() => clearTimeout(timer));
}

/** Stream a File into Pyodide's in-memory filesystem, where Python reads it: a chunk at a time, never whole in JS. */
export async function copyIntoFS(fs, file, path, signal, onProgress) {
  const stream = fs.open(path, "w");
  try {
    let loaded = 0;
    for await (const chunk of chunksOf(file, signal)) {
      fs.write(stream, chunk, 0, chunk.byteLength);
      loaded += chunk.byteLength;
      onProgress(loaded);
    }
  } finally {
    fs.close(stream);
  }
}
