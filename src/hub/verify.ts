import { createHash, type Hash } from 'crypto';

/**
 * Checks downloaded bytes against the ETag the Hub gave: LFS files' ETag is the sha256 of the
 * content, other files' is the git blob sha1 (sha1 of "blob <size>\0" + content); any other
 * ETag shape can only be checked by size.
 */
export class ContentCheck {
  private hash: Hash | undefined;
  private seen = 0;

  constructor(private readonly etag: string, private readonly size: number) {
    this.reset();
  }

  reset(): void {
    this.seen = 0;
    if (/^[0-9a-f]{64}$/.test(this.etag)) this.hash = createHash('sha256');
    else if (/^[0-9a-f]{40}$/.test(this.etag)) this.hash = createHash('sha1').update(`blob ${this.size}\0`);
    else this.hash = undefined;
  }

  update(chunk: Uint8Array): void {
    this.seen += chunk.length;
    this.hash?.update(chunk);
  }

  /** undefined when the content matches, else what went wrong (for the message). */
  problem(): string | undefined {
    if (this.seen !== this.size) return `got ${this.seen} bytes, expected ${this.size}`;
    const digest = this.hash?.digest('hex');
    if (digest !== undefined && digest !== this.etag) return `its ${this.etag.length === 64 ? 'sha256' : 'git sha1'} is ${digest}, expected ${this.etag}`;
    return undefined;
  }
}
