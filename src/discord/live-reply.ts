/**
 * A reply that shows text as it grows (the transcript of a spoken answer), editing the message at most
 * once per interval so a long answer does not hit Discord's rate limits.
 */
import { escapeMarkdown, type RepliableInteraction } from 'discord.js';
import type { Logger } from '../log.ts';
import { NO_MENTIONS } from './errors.ts';

export const MESSAGE_LIMIT = 2_000;
const DEFAULT_INTERVAL_MS = 1_000;

/** Escapes markdown and mentions-as-text, and fits `text` into one message with a visible cut. */
export function fitMessage(text: string, limit = MESSAGE_LIMIT): string {
  const escaped = escapeMarkdown(text);
  return escaped.length <= limit ? escaped : escaped.slice(0, limit - 1) + '…';
}

export class LiveReply {
  private latest = '';
  private shown = '';
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private lastEditAt = 0;
  private finished = false;
  private readonly interaction: RepliableInteraction;
  private readonly log: Logger;
  private readonly intervalMs: number;

  constructor(interaction: RepliableInteraction, log: Logger, intervalMs = DEFAULT_INTERVAL_MS) {
    this.interaction = interaction;
    this.log = log;
    this.intervalMs = intervalMs;
  }

  /** Sets the content to show; the edit happens now or at the next allowed moment. */
  update(content: string): void {
    if (this.finished) return;
    this.latest = content;
    if (this.timer) return;
    const wait = Math.max(0, this.lastEditAt + this.intervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Stops live updates and waits for the edits already sent. */
  async stop(): Promise<void> {
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private flush(): void {
    if (this.finished || this.latest === this.shown) return;
    const content = this.latest;
    this.shown = content;
    this.lastEditAt = performance.now();
    this.inFlight = this.inFlight
      .then(() => this.interaction.editReply({ content, allowedMentions: NO_MENTIONS }))
      .then(
        () => undefined,
        (err: Error) => this.log.warn('live reply edit failed', { err }),
      );
  }
}
