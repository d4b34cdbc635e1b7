/** One progress report of a snapshot download; bytes/total count the whole snapshot, fileBytes/fileTotal the current file. */
export interface DownloadProgress { repo: string; file: string; fileBytes: number; fileTotal: number; bytes: number; total: number; bytesPerSecond: number; etaSeconds?: number; filesDone: number; filesTotal: number }

const MIN_INTERVAL_MS = 200; // at most ~5 reports a second: the UI need not redraw more often
const RATE_WINDOW_MS = 5_000; // the rate is over the last seconds, so it follows the connection

/**
 * Turns byte counts into throttled progress reports with a moving rate and an ETA. Bytes that
 * were already on disk (a resumed file) count as done but not towards the rate.
 */
export class ProgressTracker {
  private file = '';
  private fileBytes = 0;
  private fileTotal = 0;
  private bytes = 0;
  private filesDone = 0;
  private transferred = 0;
  private lastEmit = -Infinity;
  private samples: Array<{ t: number; n: number }> = [];

  constructor(
    private readonly repo: string,
    private readonly total: number,
    private readonly filesTotal: number,
    private readonly emit: ((p: DownloadProgress) => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  startFile(file: string, fileTotal: number, alreadyOnDisk: number): void {
    this.file = file;
    this.fileTotal = fileTotal;
    this.fileBytes = alreadyOnDisk;
    this.bytes += alreadyOnDisk;
    this.report(true);
  }

  /** A restart from byte 0 (the server ignored our Range): what we counted for this file is undone. */
  restartFile(): void {
    this.bytes -= this.fileBytes;
    this.fileBytes = 0;
  }

  add(n: number): void {
    this.fileBytes += n;
    this.bytes += n;
    this.transferred += n;
    this.report(this.fileBytes === n); // the first bytes of a file are always shown
  }

  fileDone(): void {
    this.filesDone++;
    this.report(true);
  }

  private rate(t: number): number {
    // Samples ~100 ms apart: the newest one moves until it is that far from the one before.
    const s = this.samples;
    if (s.length > 1 && t - s[s.length - 2].t < 100) s[s.length - 1] = { t, n: this.transferred };
    else s.push({ t, n: this.transferred });
    while (s.length > 2 && t - s[1].t >= RATE_WINDOW_MS) s.shift();
    const first = s[0];
    const dt = (t - first.t) / 1000;
    return dt > 0 ? (this.transferred - first.n) / dt : 0;
  }

  private report(force: boolean): void {
    const t = this.now();
    const rate = this.rate(t);
    if (!this.emit || (!force && t - this.lastEmit < MIN_INTERVAL_MS)) return;
    this.lastEmit = t;
    const left = Math.max(0, this.total - this.bytes);
    this.emit({
      repo: this.repo, file: this.file, fileBytes: this.fileBytes, fileTotal: this.fileTotal, bytes: this.bytes, total: this.total,
      bytesPerSecond: rate, ...(rate > 0 ? { etaSeconds: left / rate } : {}), filesDone: this.filesDone, filesTotal: this.filesTotal,
    });
  }
}
