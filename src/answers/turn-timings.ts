/** When a spoken answer's stages happened, shared by the turn runner and /latency. */

/** performance.now() of an answer's stages, for /latency. */
export interface TurnTimings {
  requestAt: number;
  firstModelAudioAt?: number;
  firstPlayedAt?: number;
}
