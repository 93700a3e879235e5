/** Parley's conversation layer: persistent store, OpenAI message building, per-channel serialization. */
export * from './types.ts';
export * from './store.ts';
export * from './history.ts';
export * from './serialize.ts';
