/**
 * `post:true`: the announcement's text in the voice channel's own chat, markdown escaped, never
 * pinging anyone, split over several messages when it is longer than one.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { escapeMarkdown, type VoiceBasedChannel } from 'discord.js';
import { NO_MENTIONS } from '../discord/errors.ts';
import type { Logger } from '../log.ts';
import { splitText } from './split-text.ts';

/** Room for the text in one message, under Discord's 2,000 characters, leaving space for the header. */
const POST_TEXT_MAX = 1_900;
/**
 * escapeMarkdown takes time that grows faster than the text (about 0.5 s for 20,000 characters), so
 * it runs on short pieces, with the event loop free between batches while an announcement plays.
 */
const ESCAPE_PIECE_MAX = 200;
const PIECES_PER_BATCH = 20;

/** The messages to post: a header naming the moderator, then the escaped text in pieces. */
export async function announcementMessages(text: string, userId: string): Promise<string[]> {
  const escaped: string[] = [];
  const pieces = splitText(text, ESCAPE_PIECE_MAX);
  for (let i = 0; i < pieces.length; i++) {
    escaped.push(escapeMarkdown(pieces[i]!));
    if ((i + 1) % PIECES_PER_BATCH === 0) await yieldToEventLoop();
  }
  const messages = [`📢 Announcement from <@${userId}>:`];
  let separator = '\n';
  for (const piece of escaped) {
    const last = messages.length - 1;
    // Pieces never exceed the limit: escaping at most doubles a 200-character piece.
    if (messages[last]!.length + separator.length + piece.length <= POST_TEXT_MAX) messages[last] += separator + piece;
    else messages.push(piece);
    separator = ' ';
  }
  return messages;
}

/** Posts the text; returns a short note for the moderator when it could not be posted. */
export async function postAnnouncementText(channel: VoiceBasedChannel, text: string, userId: string, log: Logger): Promise<string | undefined> {
  const problem = `I couldn't post the text in ${channel.name}'s chat.`;
  if (!channel.isSendable()) return problem;
  try {
    for (const content of await announcementMessages(text, userId)) {
      await channel.send({ content, allowedMentions: NO_MENTIONS });
    }
    return undefined;
  } catch (err) {
    log.info('could not post the announcement text', { err: err as Error });
    return problem;
  }
}
