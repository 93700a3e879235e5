/**
 * /ask and "Ask Parley": one question (text, audio, or both) answered in the member's voice channel
 * while it streams, or as a voice message / text when they are not in voice.
 */
import { randomUUID } from 'node:crypto';
import type { ChatInputCommandInteraction, GuildMember, MessageContextMenuCommandInteraction, VoiceBasedChannel } from 'discord.js';
import type { AppContext } from '../app-context.ts';
import type { UserAudio, UserTurn } from '../conversation/types.ts';
import { NO_MENTIONS, replyBriefly } from '../discord/errors.ts';
import { UserError } from '../errors.ts';
import { fitMessage, LiveReply } from '../discord/live-reply.ts';
import { assertBotCanSpeakIn } from '../discord/voice-channels.ts';
import { runTurn, type TurnResult } from './run-turn.ts';
import { deliverAsVoiceMessage } from './voice-message.ts';

export interface Question {
  text?: string;
  audio?: UserAudio;
  /** false: answer in text only. */
  speak: boolean;
}

type AskInteraction = ChatInputCommandInteraction<'cached'> | MessageContextMenuCommandInteraction<'cached'>;

/** Checks a typed prompt against the configured limits; returns it trimmed, or undefined when blank. */
export function checkPrompt(raw: string | null, maxChars: number): string | undefined {
  const prompt = raw?.trim();
  if (!prompt) return undefined;
  if (prompt.length > maxChars) throw new UserError(`That prompt is too long: ${prompt.length} characters, the limit is ${maxChars}.`);
  return prompt;
}

/**
 * Applies the member's cooldown and the server's daily budget before anything is spent. A refused
 * member is answered at once (ephemeral, within Discord's 3 s); only then does the first budget
 * refusal of the day also tell the channel (moderators see why Parley went quiet). Returns false when
 * the question was refused and answered.
 */
export async function admitQuestion(interaction: AskInteraction, ctx: AppContext): Promise<boolean> {
  try {
    await ctx.costs.admitQuestion(interaction.guildId, interaction.user.id);
    return true;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    await replyBriefly(interaction, err.message);
    if ((await ctx.costs.budgetRefusal(interaction.guildId)) && ctx.costs.firstBudgetRefusalToday(interaction.guildId)) {
      ctx.log.warn('daily budget reached', { guildId: interaction.guildId, budgetUsd: ctx.config.dailyBudgetUsd });
      const channel = interaction.channel;
      if (channel?.isSendable()) {
        await channel
          .send({ content: `Parley reached this server's daily budget ($${ctx.config.dailyBudgetUsd.toFixed(2)}) and pauses until 00:00 UTC. The bot's operator sets it with PARLEY_DAILY_BUDGET_USD.`, allowedMentions: NO_MENTIONS })
          .catch((sendErr: Error) => ctx.log.info('could not post the budget notice', { err: sendErr }));
      }
    }
    return false;
  }
}

/** Answers `question` for the member; the interaction must already be deferred. */
export async function answerQuestion(interaction: AskInteraction, ctx: AppContext, question: Question): Promise<void> {
  const member = interaction.member;
  const voiceChannel = question.speak ? speakableChannel(member, ctx) : undefined;
  const session = voiceChannel ? (await ctx.voice.join(voiceChannel)).session : undefined;
  const user: UserTurn = {
    kind: 'user',
    id: randomUUID(),
    channelId: voiceChannel?.id ?? interaction.channelId,
    guildId: interaction.guildId,
    speakerId: member.id,
    speakerName: member.displayName,
    text: question.text ?? (question.audio ? '(shared an audio recording)' : undefined),
    audio: question.audio,
    createdAt: Date.now(),
  };
  const prefix = voiceChannel ? `🔊 <#${voiceChannel.id}>\n` : '';
  const live = new LiveReply(interaction, ctx.log);
  let result: TurnResult;
  try {
    result = await runTurn(ctx, {
      user,
      session,
      speak: question.speak,
      collectAudio: question.speak && !session,
      onText: (text) => live.update(prefix + fitMessage(text, 1_900) + ' …'),
    });
  } finally {
    await live.stop();
  }
  // A shared recording becomes its transcript once answered, so later questions do not send (and pay for) it again.
  void ctx.compactor.compact(user.channelId, question.audio ? [user.id] : []);
  const content = prefix + describeAnswer(result);
  if (!session && result.audio && result.audio.length > 0) {
    await deliverAsVoiceMessage(interaction, result.audio, content, ctx);
  } else {
    await interaction.editReply({ content });
  }
}

/** The final reply text: the transcript, a refusal, or a note that the answer was cut. */
export function describeAnswer(result: TurnResult): string {
  if (result.refusal && !result.text) return `The model declined to answer: ${fitMessage(result.refusal, 1_800)}`;
  const body = result.text ? fitMessage(result.text, 1_850) : '(no words in that answer)';
  return result.cutReason ? `${body}\n-# Cut off: ${result.cutReason}.` : body;
}

/**
 * The member's voice channel if Parley can answer aloud there: not while it is busy in another
 * channel of the guild, and only with the permissions to join and speak.
 */
function speakableChannel(member: GuildMember, ctx: AppContext): VoiceBasedChannel | undefined {
  const channel = member.voice.channel;
  if (!channel) return undefined;
  const current = ctx.voice.get(member.guild.id)?.channelId;
  if (current && current !== channel.id) return undefined;
  try {
    assertBotCanSpeakIn(channel);
    return channel;
  } catch {
    return undefined;
  }
}
