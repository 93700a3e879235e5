/**
 * Whether audio sent now reaches the channel's members end-to-end encrypted (DAVE). @discordjs/voice
 * 0.19.2 sends opus in the clear while the MLS handshake is still running (its DAVE session is not
 * ready yet), and Discord clients drop such frames in an encrypted call: the first words of an answer
 * would be lost. The pacer therefore asks this gate before every packet.
 *
 * Sound method: the connection's `transitioned` event is the protocol's "execute transition" (DAVE
 * protocol v1.1, opcodes 22 and 21 with id 0); together with the davey session being ready it means
 * the group exists and the bot encrypts for it. A sole-member reset (transition 0 on a session that is
 * not ready) and a reset after an invalid commit make the gate closed again until the next transition.
 */
import { VoiceConnectionStatus, type VoiceConnection } from '@discordjs/voice';

type DaveWrapper = NonNullable<DaveOf<VoiceConnection['state']>>;
type DaveOf<S> = S extends { networking: { state: infer N } } ? (N extends { dave?: infer D } ? D : never) : never;

/** The privacy code Discord clients show for an encrypted call: 30 digits, in groups of 5. */
export function formatPrivacyCode(code: string): string {
  return code.replace(/(\d{5})(?=\d)/g, '$1 ');
}

/** How long a /join reply waits for the encrypted call to be set up before answering without its code. */
export const PRIVACY_CODE_WAIT_MS = 3_000;

/**
 * The sentence a /join reply ends with: the voice privacy code when the call is end-to-end encrypted,
 * so members can compare it with the one their client shows; empty otherwise.
 */
export async function privacyCodeNote(gate: E2eeGate, othersInChannel: boolean, waitMs = PRIVACY_CODE_WAIT_MS): Promise<string> {
  // Alone in the channel there is no group yet, so no code to compare.
  if (!gate.negotiated || !othersInChannel) return '';
  await gate.waitForCode(waitMs);
  const code = gate.privacyCode;
  return code ? ` The call is end-to-end encrypted; voice privacy code: \`${code}\`.` : '';
}

export class E2eeGate {
  private transitionedSession: DaveWrapper | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly connection: VoiceConnection;

  constructor(connection: VoiceConnection) {
    this.connection = connection;
    connection.on('transitioned', () => {
      const dave = this.dave();
      // Transition 0 of a sole-member reset runs on a session without a group: nothing to encrypt for yet.
      this.transitionedSession = dave?.session?.ready ? dave : undefined;
      for (const wake of [...this.waiters]) wake();
    });
  }

  /** DAVE was negotiated on the current voice server (protocol version > 0). */
  get negotiated(): boolean {
    const dave = this.dave();
    return dave !== undefined && dave.protocolVersion > 0;
  }

  /**
   * Audio sent now can be heard: no DAVE, nobody else in the call (nothing to hold for), or the group
   * is established and its transition executed.
   */
  get ready(): boolean {
    const dave = this.dave();
    if (!dave || dave.protocolVersion === 0) return true;
    if (this.connectedClients() === 0) return true;
    return this.transitionedSession === dave && dave.session?.ready === true;
  }

  /** The voice privacy code of an end-to-end encrypted call, grouped for reading; undefined otherwise. */
  get privacyCode(): string | undefined {
    if (!this.negotiated || !this.ready) return undefined;
    const code = this.connection.voicePrivacyCode;
    return code ? formatPrivacyCode(code) : undefined;
  }

  /** Resolves once the call has a privacy code (its first transition ran), or after `timeoutMs`. */
  async waitForCode(timeoutMs: number): Promise<void> {
    if (this.privacyCode) return;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const wake = () => this.privacyCode !== undefined && done();
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(wake);
    });
  }

  private dave(): DaveWrapper | undefined {
    const state = this.connection.state;
    if (state.status !== VoiceConnectionStatus.Ready) return undefined;
    return (state.networking.state as { dave?: DaveWrapper }).dave;
  }

  private connectedClients(): number {
    const state = this.connection.state;
    if (state.status !== VoiceConnectionStatus.Ready) return 0;
    const networking = state.networking.state as { connectionData?: { connectedClients?: Set<string> } };
    return networking.connectionData?.connectedClients?.size ?? 0;
  }
}
