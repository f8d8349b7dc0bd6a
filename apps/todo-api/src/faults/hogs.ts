import type { FaultController } from './controller.js';
import { MEMORY_LEAK_DEFAULT_MAX_BYTES, type ActiveFaults } from './schema.js';

/** Busy-waits: the point of the CPU faults is to occupy the event loop like slow code would. */
export function burnCpu(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* spin */
  }
}

/**
 * Busy-waits until this process has used `cpuMs` of CPU time, for at most `maxWallMs`. On a busy
 * machine the OS gives the process less than all of a core: counting CPU time (what
 * process_cpu_seconds_total shows) rather than wall time keeps the hog's share what was asked.
 */
export function burnCpuTime(cpuMs: number, maxWallMs: number): void {
  const start = process.cpuUsage();
  const until = performance.now() + maxWallMs;
  while (performance.now() < until) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= cpuMs) return;
  }
}

/** Burns `share` of every period on the event loop, in the background, whatever the traffic. */
export class CpuHog {
  private timer: NodeJS.Timeout | undefined;

  run(share: number, periodMs: number): void {
    this.stop();
    if (share <= 0) return;
    const tick = () => {
      burnCpuTime(share * periodMs, periodMs);
      this.timer = setTimeout(tick, (1 - share) * periodMs);
      this.timer.unref();
    };
    this.timer = setTimeout(tick, 0);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const CHUNK_BYTES = 256 * 1024;

/**
 * Memory held on the JS heap, as a leaking cache would hold it: strings of the retained size
 * (one byte per character, distinct objects, so V8 neither shares nor moves them off-heap).
 * `release` drops every reference; the heap falls at the next major GC.
 */
export class MemoryHog {
  private chunks: string[] = [];
  private bytes = 0;
  private limit = MEMORY_LEAK_DEFAULT_MAX_BYTES;

  get retained(): number {
    return this.bytes;
  }

  setLimit(maxBytes: number): void {
    this.limit = maxBytes;
  }

  retain(n: number): void {
    let left = Math.min(Math.floor(n), this.limit - this.bytes);
    while (left > 0) {
      // Node hands strings over ~1 MB to V8 as external strings, which live outside the heap
      // (nodejs_heap_size_used_bytes would not see them): keep each chunk below that.
      const size = Math.min(left, CHUNK_BYTES);
      this.chunks.push(Buffer.alloc(size, 0x61 + (this.chunks.length % 26)).toString('latin1'));
      this.bytes += size;
      left -= size;
    }
  }

  release(): void {
    this.chunks = [];
    this.bytes = 0;
  }
}

const MEMORY_TICK_MS = 100;

/**
 * Runs the faults that act without requests: the cpu_hog and the per-second part of the
 * memory_leak. It follows the controller, so a fault that expires or is cleared stops here too
 * and its memory is let go.
 */
export class BackgroundHogs {
  readonly cpu = new CpuHog();
  readonly memory = new MemoryHog();
  private memoryTimer: NodeJS.Timeout | undefined;
  private cpuSpec: ActiveFaults['cpu_hog'] = null;
  private leakSpec: ActiveFaults['memory_leak'] = null;

  constructor(faults: FaultController) {
    faults.onChange((active) => this.follow(active));
    this.follow(faults.active);
  }

  close(): void {
    this.cpu.stop();
    clearInterval(this.memoryTimer);
    this.memory.release();
  }

  private follow(active: ActiveFaults): void {
    if (active.cpu_hog !== this.cpuSpec) {
      this.cpuSpec = active.cpu_hog;
      if (this.cpuSpec) this.cpu.run(this.cpuSpec.share, this.cpuSpec.period_ms ?? 100);
      else this.cpu.stop();
    }
    if (active.memory_leak !== this.leakSpec) {
      this.leakSpec = active.memory_leak;
      clearInterval(this.memoryTimer);
      this.memoryTimer = undefined;
      if (!this.leakSpec) {
        this.memory.release();
        return;
      }
      this.memory.setLimit(this.leakSpec.max_bytes ?? MEMORY_LEAK_DEFAULT_MAX_BYTES);
      const perSecond = this.leakSpec.bytes_per_second ?? 0;
      if (perSecond > 0) {
        let last = performance.now();
        this.memoryTimer = setInterval(() => {
          const now = performance.now();
          this.memory.retain((perSecond * (now - last)) / 1000);
          last = now;
        }, MEMORY_TICK_MS);
        this.memoryTimer.unref();
      }
    }
  }
}
