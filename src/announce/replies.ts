/** The moderator's (ephemeral) reply texts for /announce. */
import type { AnnouncementResult } from './announce.ts';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** While it waits behind other announcements. */
export function queuedReply(ahead: number): string {
  return `⏳ Waiting for ${ahead === 1 ? 'the announcement' : `${ahead} announcements`} before yours.`;
}

/** Once its audio starts. */
export function playingReply(channelId: string, parts: number): string {
  return `📢 Announcing in <#${channelId}> now${parts > 1 ? ` (${parts} parts)` : ''}…`;
}

/** The final word: played, cut off, or stopped, plus a note when the text could not be posted. */
export function finishedReply(channelId: string, result: AnnouncementResult): string {
  const lines: string[] = [];
  if (result.stopped) {
    lines.push(`⏹️ The announcement in <#${channelId}> stopped after ${seconds(result.playedMs)}: I was removed from the channel or told to leave.`);
  } else if (result.cutReason) {
    const why = result.failure ?? `${result.cutReason}.`;
    const partNote = result.parts > 1 ? ` (${result.completeParts} of ${result.parts} parts complete)` : '';
    lines.push(`⚠️ The announcement in <#${channelId}> was cut off after ${seconds(result.playedMs)}${partNote}. ${capitalize(why)}`);
    if (!result.failure) lines.push('Please try again.');
  } else {
    lines.push(`📢 Announced in <#${channelId}> (${seconds(result.playedMs)}${result.parts > 1 ? `, ${result.parts} parts` : ''}).`);
  }
  if (result.postProblem) lines.push(result.postProblem);
  return lines.join('\n');
}

/** The preview's reply text. */
export function previewReply(durationMs: number, cutReason: string | undefined): string {
  const note = cutReason ? ` It is incomplete: ${cutReason}.` : '';
  return `🔈 Preview (${seconds(durationMs)}), only you can see this. Nothing was played.${note}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
