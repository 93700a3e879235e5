import { describe, expect, it } from 'vitest';
import { guildShard, parseIdentifyShard, routeGuildId, snowflakeOnShard } from './shards.ts';

describe('fake gateway sharding', () => {
  it('routes a guild by (guild_id >> 22) % num_shards, as Discord documents', () => {
    // Discord's own snowflake example id; shard = its timestamp part modulo the shard count.
    const id = '41771983423143937';
    expect(guildShard(id, 1)).toBe(0);
    expect(guildShard(id, 2)).toBe(Number((BigInt(id) >> 22n) % 2n));
    expect(guildShard(undefined, 4)).toBe(0);
    for (let shard = 0; shard < 3; shard++) expect(guildShard(snowflakeOnShard(shard, 3), 3)).toBe(shard);
  });

  it('accepts IDENTIFY shard pairs Discord accepts and nothing else', () => {
    expect(parseIdentifyShard(undefined)).toEqual([0, 1]);
    expect(parseIdentifyShard([1, 2])).toEqual([1, 2]);
    for (const bad of [[2, 2], [-1, 2], [0, 0], [0.5, 2], [0], '0,1', [0, 1, 2]]) expect(parseIdentifyShard(bad)).toBeUndefined();
  });

  it('finds the guild of an event, and none for events without one (shard 0)', () => {
    expect(routeGuildId('INTERACTION_CREATE', { guild_id: '5', id: '9' })).toBe('5');
    expect(routeGuildId('GUILD_CREATE', { id: '7' })).toBe('7');
    expect(routeGuildId('GUILD_MEMBERS_CHUNK', { guild_id: '7' })).toBe('7');
    expect(routeGuildId('MESSAGE_CREATE', { id: '8', channel_id: '3' })).toBeUndefined();
  });
});
