/**
 * DAVE v1 on the fake voice gateway for one bot voice session: the gateway is the MLS external
 * sender and delivery service (it signs Add/Remove proposals, relays commits and welcomes, runs
 * transitions) and every fake member in the channel is a real davey session, so the bot's frames are
 * decrypted and members' speech is encrypted exactly as by a Discord client.
 * Source for every step: DAVE protocol v1.1 (github.com/discord/dave-protocol, protocol.md): "Initial
 * Group Creation", "Member Add", "Member Remove", "Commit Handling", "Sole member reset", "Commit
 * Ordering", "Recovery from Invalid Commit or Welcome", opcodes 21-31.
 */
import davey from '@snazzah/davey';
import { ExternalSender, daveGroupId, parseCommitWelcome, proposalsPayload } from './mls-wire.ts';
import { DAVE_VERSION, DaveOp, OPUS_SILENCE, TRANSITION_TIMEOUT_MS, type DaveCallLink, type DaveStats, type PendingProposal } from './dave-types.ts';
import { hearBotFrame, type Hearing } from './dave-media.ts';

export { DaveOp, DEFAULT_DAVE_OPTIONS } from './dave-types.ts';
export type { DaveOptions, DaveStats } from './dave-types.ts';

export class DaveCall {
  readonly stats: DaveStats = { transitions: 0, commits: 0, welcomesToBot: 0, invalidCommitWelcome: 0, executedAt: [], lostByMember: {}, heardByMember: {} };
  #transitionTimer: NodeJS.Timeout | undefined;
  readonly #link: DaveCallLink;
  readonly #sender = new ExternalSender();
  readonly #members = new Map<string, InstanceType<typeof davey.DAVESession>>();
  /** Leaf index -> user id (null = blank), the delivery service's view of the tree. */
  #leaves: (string | null)[] = [];
  #epoch = 0n;
  #established = false;
  #started = false;
  #botKeyPackage: Buffer | null = null;
  #pending: PendingProposal[] = [];
  /** Proposals waiting for the in-flight commit to land (one commit per epoch). */
  #queued: PendingProposal[] = [];
  #awaitingTransition: number | null = null;
  /** The bot flagged a commit/welcome (op 31) and reset: it waits to be removed and re-added. */
  #botReset = false;
  readonly #enrolled = new Set<string>();
  #nextTransitionId = 1;

  constructor(link: DaveCallLink) {
    this.#link = link;
    const delay = link.options().handshakeDelayMs;
    if (delay > 0) setTimeout(() => this.#start(), delay).unref();
    else queueMicrotask(() => this.#start());
  }

  /** The epoch the delivery service considers current. */
  get epoch(): bigint {
    return this.#epoch;
  }

  /** A member that can decrypt now, or undefined. */
  listener(): InstanceType<typeof davey.DAVESession> | undefined {
    for (const [userId, session] of this.#members) if (session.ready && this.#leaves.includes(userId)) return session;
    return undefined;
  }

  /** The bot's binary op (26 key package, 28 commit/welcome). */
  onBinary(op: number, payload: Buffer): void {
    if (op === DaveOp.KeyPackage) {
      this.#botKeyPackage = payload;
      if (this.#started) this.#onBotKeyPackage();
    } else if (op === DaveOp.CommitWelcome) this.#onCommit(payload);
  }

  /** The bot's JSON DAVE ops (23, 31). */
  onJson(op: number, d: any): void {
    if (op === DaveOp.ReadyForTransition && d?.transition_id === this.#awaitingTransition) {
      this.#awaitingTransition = null;
      clearTimeout(this.#transitionTimer);
      this.#execute(d.transition_id);
    } else if (op === DaveOp.InvalidCommitWelcome) {
      this.stats.invalidCommitWelcome += 1;
      // The flagging member goes back to pending: removed now, re-added with its next key package.
      const leaf = this.#leaves.indexOf(this.#link.botUserId);
      if (leaf < 0 || !this.#established) return;
      this.#botReset = true;
      // Back to pending: the client needs the external sender again to join by welcome.
      this.#link.sendBinary(DaveOp.ExternalSender, this.#sender.package());
      this.#propose({ kind: 'remove', leaf });
    }
  }

  /** A member joined the channel (op 11 was sent): a real client session with its key package. */
  memberJoined(userId: string): void {
    if (this.#members.has(userId)) return;
    this.#members.set(userId, new davey.DAVESession(DAVE_VERSION, userId, this.#link.channelId));
    if (this.#started) this.#enroll(userId);
  }

  /** The member's client got the external sender and sends its key package: the gateway proposes its Add. */
  #enroll(userId: string): void {
    const session = this.#members.get(userId);
    if (!session || this.#enrolled.has(userId)) return;
    this.#enrolled.add(userId);
    session.setExternalSender(this.#sender.package());
    this.#proposeAdd(userId, session.getSerializedKeyPackage());
  }

  /** A member left (op 13 was sent). */
  memberLeft(userId: string): void {
    this.#members.delete(userId);
    this.#enrolled.delete(userId);
    this.#queued = this.#queued.filter((p) => !(p.kind === 'add' && p.userId === userId));
    const leaf = this.#leaves.indexOf(userId);
    if (!this.#established || leaf < 0) return;
    const others = this.#leaves.filter((id) => id !== null && id !== userId);
    if (others.length === 1 && others[0] === this.#link.botUserId) return this.#soleMemberReset();
    this.#propose({ kind: 'remove', leaf });
  }

  /** Encrypts a member's opus frame as its client would (silence frames pass, protocol.md "Silence Packets"). */
  encryptFrom(userId: string, opus: Buffer): Buffer {
    const session = this.#members.get(userId);
    if (!session?.ready || opus.equals(OPUS_SILENCE)) return opus;
    return session.encryptOpus(opus);
  }

  /** What the members hear of one bot frame (see dave-media.ts). */
  hear(opus: Buffer): Hearing {
    const inGroup = [...this.#members].filter(([userId, session]) => session.ready && this.#leaves.includes(userId));
    return hearBotFrame(opus, { botUserId: this.#link.botUserId, inGroup, anyMembers: this.#link.membersInChannel().length > 0, stats: this.stats });
  }

  #start(): void {
    if (this.#started || this.#link.signal.aborted) return;
    this.#started = true;
    this.#link.sendBinary(DaveOp.ExternalSender, this.#sender.package());
    for (const userId of this.#link.membersInChannel()) this.memberJoined(userId);
    for (const userId of [...this.#members.keys()]) this.#enroll(userId);
    if (this.#botKeyPackage) this.#onBotKeyPackage();
  }

  #onBotKeyPackage(): void {
    if (!this.#established) {
      this.#flush();
      return;
    }
    // Established group without the bot (it reset after op 31): a member commits the bot's re-add.
    if (this.#botReset || !this.#leaves.includes(this.#link.botUserId)) this.#proposeAdd(this.#link.botUserId, this.#botKeyPackage!);
  }

  #proposeAdd(userId: string, keyPackage: Buffer): void {
    // A newer key package replaces a queued one (protocol.md, Key Packages: one at a time per member).
    this.#queued = this.#queued.filter((p) => !(p.kind === 'add' && p.userId === userId));
    this.#propose({ kind: 'add', userId, keyPackage });
  }

  #propose(proposal: PendingProposal): void {
    this.#queued.push(proposal);
    if (this.#pending.length === 0) this.#flush();
  }

  /** Sends queued proposals for the current epoch, unless a commit for it is still awaited. */
  #flush(): void {
    if (this.#pending.length > 0 || this.#queued.length === 0) return;
    if (!this.#established && !this.#botKeyPackage) return; // the bot's local group does not exist yet
    const botInGroup = this.#established ? this.#leaves.includes(this.#link.botUserId) && !this.#botReset : true;
    const proposals = this.#queued.splice(0).filter((p) => this.#stillValid(p));
    if (proposals.length === 0) return;
    this.#pending = proposals;
    const groupId = daveGroupId(this.#link.channelId);
    const messages = proposals.map((p) =>
      p.kind === 'add' ? this.#sender.addProposal(groupId, this.#epoch, p.keyPackage) : this.#sender.removeProposal(groupId, this.#epoch, p.leaf),
    );
    const payload = proposalsPayload(messages);
    let memberCommit: Buffer | undefined;
    for (const [userId, session] of this.#members) {
      if (!this.#leaves.includes(userId) || !session.ready) continue;
      try {
        const result = session.processProposals(davey.ProposalsOperationType.APPEND, payload.subarray(1), this.#recognized(userId));
        if (result.commit) memberCommit ??= result.welcome ? Buffer.concat([result.commit, result.welcome]) : result.commit;
      } catch {
        // A member client that cannot process the proposals does not commit; others still can.
      }
    }
    if (botInGroup) this.#link.sendBinary(DaveOp.Proposals, payload);
    // The bot is committing member of every group it is in; members only commit when it is not.
    else if (memberCommit) this.#onCommit(memberCommit);
  }

  /** Whether a queued proposal still makes sense now (members come and go while commits are awaited). */
  #stillValid(p: PendingProposal): boolean {
    if (p.kind === 'remove') return this.#established && typeof this.#leaves[p.leaf] === 'string';
    const bot = p.userId === this.#link.botUserId;
    if (bot) return this.#established && (this.#botReset || !this.#leaves.includes(p.userId));
    return this.#members.has(p.userId) && !this.#leaves.includes(p.userId);
  }

  #recognized(self: string): string[] {
    return [this.#link.botUserId, ...this.#members.keys()].filter((id) => id !== self);
  }

  /** The first commit for the current epoch wins (protocol.md "Commit Ordering"); later ones are ignored. */
  #onCommit(payload: Buffer): void {
    if (this.#pending.length === 0) return;
    let parsed;
    try {
      parsed = parseCommitWelcome(payload);
    } catch {
      return;
    }
    if (parsed.epoch !== this.#epoch) return;
    const proposals = this.#pending;
    this.#pending = [];
    this.stats.commits += 1;
    if (!this.#established) this.#leaves = [this.#link.botUserId];
    const added: string[] = [];
    for (const p of proposals) if (p.kind === 'remove') this.#leaves[p.leaf] = null;
    for (const p of proposals) {
      if (p.kind !== 'add') continue;
      const blank = this.#leaves.indexOf(null);
      if (blank >= 0) this.#leaves[blank] = p.userId;
      else this.#leaves.push(p.userId);
      added.push(p.userId);
    }
    while (this.#leaves.length > 0 && this.#leaves[this.#leaves.length - 1] === null) this.#leaves.pop();
    const creates = !this.#established;
    this.#established = true;
    this.#epoch = parsed.epoch + 1n;
    const transitionId = creates && this.#link.options().zeroInitialTransition ? 0 : this.#takeTransitionId();
    for (const [userId, session] of this.#members) {
      try {
        if (added.includes(userId)) session.processWelcome(parsed.welcome!);
        else if (this.#leaves.includes(userId)) session.processCommit(parsed.commit);
      } catch {
        // A member that cannot follow is re-added with a new key package, as a client would ask (op 31).
      }
    }
    const transitionFrame = (body: Buffer) => Buffer.concat([u16(transitionId), body]);
    if (added.includes(this.#link.botUserId) && parsed.welcome) {
      this.#botReset = false;
      this.stats.welcomesToBot += 1;
      this.#link.sendBinary(DaveOp.Welcome, transitionFrame(parsed.welcome!));
      this.#awaitingTransition = transitionId || null;
    } else if (this.#leaves.includes(this.#link.botUserId) && !this.#botReset) {
      this.#link.sendBinary(DaveOp.AnnounceCommitTransition, transitionFrame(parsed.commit));
      this.#awaitingTransition = transitionId || null;
    }
    if (transitionId === 0) this.#markExecuted();
    else if (this.#awaitingTransition !== null) {
      clearTimeout(this.#transitionTimer);
      this.#transitionTimer = setTimeout(() => {
        if (this.#awaitingTransition !== transitionId) return;
        this.#awaitingTransition = null;
        this.#execute(transitionId);
      }, TRANSITION_TIMEOUT_MS).unref();
    }
    // Members who left while their Add was in flight are removed again; other proposals wait for this epoch.
    this.#leaves.forEach((userId, leaf) => {
      if (userId !== null && userId !== this.#link.botUserId && !this.#members.has(userId)) this.#queued.push({ kind: 'remove', leaf });
    });
    queueMicrotask(() => this.#flush());
  }

  #execute(transitionId: number): void {
    const run = () => {
      this.#markExecuted();
      this.#link.sendJson(DaveOp.ExecuteTransition, { transition_id: transitionId });
    };
    const delay = this.#link.options().executeDelayMs;
    if (delay > 0) setTimeout(run, delay).unref();
    else run();
  }

  #markExecuted(): void {
    this.stats.transitions += 1;
    this.stats.executedAt.push(performance.now());
  }

  /** protocol.md "Sole member reset": epoch 1 (new group) then transition 0, executed at once. */
  #soleMemberReset(): void {
    this.#established = false;
    this.#leaves = [];
    this.#epoch = 0n;
    this.#pending = [];
    this.#botKeyPackage = null;
    this.#link.sendJson(DaveOp.PrepareEpoch, { protocol_version: DAVE_VERSION, epoch: 1 });
    this.#link.sendJson(DaveOp.PrepareTransition, { protocol_version: DAVE_VERSION, transition_id: 0 });
  }

  #takeTransitionId(): number {
    const id = this.#nextTransitionId;
    this.#nextTransitionId = id >= 0xffff ? 1 : id + 1;
    return id;
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
