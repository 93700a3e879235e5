import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAI_PCM_RATE } from '../../src/audio/format.ts';
import { speechLike } from '../support/signals.ts';
import { startTestBed, type TestBed } from '../support/test-bed.ts';
import { Permission } from '../harness/discord/index.ts';

describe('/settings, /reset and /join permission checks', () => {
  let bed: TestBed;
  const settings = (subcommand: string, options?: Record<string, string | boolean>) =>
    bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.mod, name: 'settings', subcommand, options }).waitForReply();
  const lastChat = () => bed.openai.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body as { audio?: { voice: unknown }; messages: { role: string; content: unknown }[] };
  const askText = async (prompt: string) => {
    const interaction = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'ask', options: { prompt } });
    await interaction.waitFor((r) => r.kind === 'edit' && !String(r.body.content).endsWith('…'), 15_000);
  };

  beforeAll(async () => {
    bed = await startTestBed();
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('sets the voice by name, accepts a custom voice id, and refuses unknown names listing the valid ones', async () => {
    expect((await settings('voice', { name: 'Coral' })).body.content).toMatch(/speaks with coral/);
    bed.openai.scriptChat({ transcript: 'ok', audio: speechLike(200, OPENAI_PCM_RATE, 1), speed: 4 });
    await askText('voice check');
    expect(lastChat().audio?.voice).toBe('coral');
    expect((await settings('voice', { name: 'voice_abc123' })).body.content).toMatch(/custom voice voice_abc123/);
    const refusal = await settings('voice', { name: 'darth' });
    expect(refusal.ephemeral).toBe(true);
    expect(refusal.body.content).toMatch(/Unknown voice "darth".*alloy/);
  });

  it('sets and shows the persona, which becomes the system prompt; no text goes back to the default', async () => {
    await settings('persona', { text: 'You are a pirate.' });
    const shown = await settings('show');
    expect(shown.body.content).toContain('You are a pirate.');
    bed.openai.scriptChat({ transcript: 'Arr.', textOnly: true });
    await askText('persona check');
    expect(lastChat().messages[0]).toEqual({ role: 'system', content: 'You are a pirate.' });
    await settings('persona');
    expect((await settings('show')).body.content).toMatch(/Persona \(default\)/);
  });

  it('turns barge-in off and on', async () => {
    expect((await settings('bargein', { enabled: false })).body.content).toMatch(/finishes its answers/);
    expect((await bed.bot.ctx.store.getSettings(bed.ids.guild)).bargeIn).toBe(false);
    await settings('bargein', { enabled: true });
    expect((await bed.bot.ctx.store.getSettings(bed.ids.guild)).bargeIn).toBe(true);
  });

  it('/reset forgets the channel conversation', async () => {
    expect((await bed.bot.ctx.store.history(bed.ids.text)).length).toBeGreaterThan(0);
    const reset = bed.discord.sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'reset' });
    expect((await reset.waitForReply()).ephemeral).toBe(true);
    const reply = await reset.waitFor((r) => r.kind === 'edit');
    expect(reply.body.content).toMatch(/Forgot the conversation/);
    expect(await bed.bot.ctx.store.history(bed.ids.text)).toEqual([]);
    bed.openai.scriptChat({ transcript: 'Fresh.', textOnly: true });
    await askText('after reset');
    expect(lastChat().messages.filter((m) => m.role !== 'system')).toHaveLength(1);
  });

  it('/join names the permission the bot lacks in the target channel', async () => {
    bed.guild.setPermissionOverwrite('Quiet Room', { id: bed.guild.botRoleId, type: 0, allow: 0n, deny: Permission.Connect });
    const reply = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'join', options: { channel: { channelId: bed.ids.voice2 } } })
      .waitForReply();
    expect(reply.ephemeral).toBe(true);
    expect(reply.body.content).toMatch(/I need the Connect permission/);
    bed.guild.setPermissionOverwrite('Quiet Room', { id: bed.guild.botRoleId, type: 0, allow: 0n, deny: Permission.Speak });
    const speak = await bed.discord
      .sendSlashCommand({ guildId: bed.ids.guild, channelId: bed.ids.text, userId: bed.ids.alice, name: 'join', options: { channel: { channelId: bed.ids.voice2 } } })
      .waitForReply();
    expect(speak.body.content).toMatch(/I need the Speak permission/);
    expect(bed.bot.ctx.voice.get(bed.ids.guild)).toBeUndefined();
  });
});
