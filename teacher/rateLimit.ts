/**
 * Concurrency and requests-per-minute limits for one teacher endpoint, so a stage never exceeds
 * what the endpoint allows however many records are in flight.
 */
export class RateLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly starts: number[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly requestsPerMinute?: number,
  ) {}

  async run<T>(body: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await body();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  get inFlight(): number {
    return this.active;
  }

  private async acquire(): Promise<void> {
    while (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    if (this.requestsPerMinute === undefined) return;
    // Sliding one-minute window of request start times.
    for (;;) {
      const now = Date.now();
      while (this.starts.length > 0 && now - this.starts[0] >= 60_000) this.starts.shift();
      if (this.starts.length < this.requestsPerMinute) break;
      await new Promise((resolve) => setTimeout(resolve, 60_000 - (now - this.starts[0])));
    }
    this.starts.push(Date.now());
  }
}
