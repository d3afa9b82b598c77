import { Worker } from 'node:worker_threads';

/**
 * Atomic file writes (temp file beside the target, written, fsynced, renamed over it) done by a
 * worker thread with synchronous calls: one message each way per write. A run writes a
 * transcript per turn before it sends the next request, and the same five steps through
 * fs callbacks took five trips through the event loop, each queued behind the other
 * conversations' work; at 20 conversations in flight that waiting was most of the time between
 * one turn's reply and the next request (BENCHMARKS.md, replay at scale).
 *
 * Writes to one file are done in the order they were asked for. The worker keeps the process
 * alive only while a write is outstanding.
 */
export class FileWriter {
  private readonly threads: WriterThread[];

  /** Two threads by default: one thread's fsyncs queued behind each other in bursts. */
  constructor(threads = 2) {
    this.threads = Array.from({ length: threads }, () => new WriterThread());
  }

  /** Starts the threads ahead of the first write, so a run's first turns do not wait for them. */
  start(): void {
    for (const t of this.threads) t.start();
  }

  /** Each file always goes to the same thread, so writes to it land in the order asked for. */
  write(file: string, text: string): Promise<void> {
    let h = 0;
    for (let i = 0; i < file.length; i++) h = (h * 31 + file.charCodeAt(i)) | 0;
    return this.threads[Math.abs(h) % this.threads.length]!.write(file, text);
  }
}

let tmpSeq = 0;

class WriterThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (m: { id: number; error?: { message: string; code?: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
      else p.resolve();
    });
    worker.on('error', (e) => this.failAll(e));
    worker.on('exit', (code) => {
      this.worker = undefined;
      this.failAll(new Error(`the file writer thread exited (code ${code})`));
    });
    // After the listeners: adding a 'message' listener refs the worker's port again.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  write(file: string, text: string): Promise<void> {
    const worker = this.start();
    const id = ++tmpSeq;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) worker.ref();
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, file, tmp: `${file}.${process.pid}.${id}.tmp`, text });
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

// Runs in the worker (CommonJS, eval mode). fsync before rename, so after a crash the file holds
// the old content or the new, never a torn or empty one.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', ({ id, file, tmp, text }) => {
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      const bytes = Buffer.from(text, 'utf8');
      for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    parentPort.postMessage({ id });
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch {}
    parentPort.postMessage({ id, error: { message: String(e && e.message || e), code: e && e.code } });
  }
});
`;
