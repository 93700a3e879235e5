/**
 * The error every layer (ai, cost, voice, commands) throws for an expected failure. It lives outside
 * `discord/` so that those layers do not depend on the interaction plumbing to say "no" to a member.
 */

/** An expected failure whose message is shown to the member as it is. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A speculative turn was withdrawn because the member went on speaking: not a failure to report. */
export class TurnWithdrawnError extends Error {
  override readonly name = 'TurnWithdrawnError';
}
