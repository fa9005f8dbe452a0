// The Node service of bench/runtimes.sh: WORKERS worker_threads, each
// compressing and decompressing varied buffers with zlib streams (zlib's
// state is native memory, malloc'd in the worker) and allocating Buffers
// of varied sizes (Buffer.alloc: the ArrayBuffer allocator's calloc). Each
// worker keeps some streams and buffers, as a connection pool with
// per-connection compression does; then drops them, collects its garbage
// and stays idle, as a worker pool between bursts does.
//
// Protocol (bench/runtimes.py): prints "ready", waits for a line on stdin,
// works, prints "idle OPS BUSY_S", then waits for stdin to close. Needs
// --expose-gc (the drop is followed by a full collection in every worker).
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const zlib = require('zlib');

function work({ seed, ops, keep }) {
  let x = seed * 2654435761 % 4294967296 || 1;
  const rand = (n) => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x % n; };
  let held = [];
  for (let i = 0; i < ops; i++) {
    const size = 256 << rand(9);                    // 256 B .. 64 KiB
    const data = Buffer.alloc(size, i & 0xff);
    for (let k = 0; k < size; k += 64) data[k] = rand(16);
    const packed = zlib.deflateSync(data, { level: 1 + rand(9) });
    const back = zlib.inflateSync(packed);
    if (rand(4) === 0) {                            // kept: a pooled connection's state
      const stream = zlib.createDeflate({ level: 1 + rand(9) });
      stream.write(back);
      held.push(stream, Buffer.alloc(size), packed);
      if (held.length > keep * 3) {
        const old = held.splice(0, 3);
        old[0].close();
      }
    }
  }
  return held;
}

if (isMainThread) {
  const workers = +(process.argv[2] || 8), ops = +(process.argv[3] || 20000), keep = +(process.argv[4] || 200);
  process.stdout.write('ready\n');
  process.stdin.once('data', () => {
    const t0 = process.hrtime.bigint();
    let done = 0;
    const pool = [];
    for (let n = 0; n < workers; n++) {
      const w = new Worker(__filename, { workerData: { seed: n + 1, ops: Math.floor(ops / workers), keep } });
      w.on('message', () => {
        if (++done < workers) return;
        const busy = Number(process.hrtime.bigint() - t0) / 1e9;
        global.gc();
        process.stdout.write(`idle ${ops} ${busy.toFixed(3)}\n`);
        process.stdin.on('end', () => { for (const p of pool) p.terminate(); });
        process.stdin.resume();
      });
      pool.push(w);
    }
  });
} else {
  let held = work(workerData);
  parentPort.postMessage('worked');
  // the drop: streams closed by nobody (their finalizers free zlib's state)
  held = null;
  global.gc();
  setTimeout(() => global.gc(), 100);
  parentPort.on('message', () => {});              // stays alive, idle
}
