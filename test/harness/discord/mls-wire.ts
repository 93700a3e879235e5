/**
 * The few MLS (RFC 9420) structures a DAVE voice gateway writes or reads as the group's external
 * sender. Written by hand on node:crypto because the gateway never holds group secrets: it only signs
 * Add/Remove proposals and splits a committer's op 28 into commit and welcome. No maintained JS MLS
 * library exposes external-sender proposal signing; davey (the clients' MLS) does not either.
 * Sources: RFC 9420 §2.1.2 (variable-length vectors), §6 (FramedContent, PublicMessage, Sender),
 * §5.1.2 (SignWithLabel), §12.1 (Proposal, Add, Remove), §12.1.8.1 (ExternalSender), §12.4 (Commit);
 * DAVE protocol v1.1 (github.com/discord/dave-protocol, protocol.md), opcodes 25, 27 and 28.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

const MLS_10 = 1;
const WIRE_FORMAT_PUBLIC_MESSAGE = 1;
const SENDER_MEMBER = 1;
const SENDER_EXTERNAL = 2;
const CONTENT_PROPOSAL = 2;
const CONTENT_COMMIT = 3;
const PROPOSAL_ADD = 1;
const PROPOSAL_REMOVE = 3;
const CREDENTIAL_BASIC = 1;
const LEAF_SOURCE_KEY_PACKAGE = 1;
const LEAF_SOURCE_COMMIT = 3;

/** RFC 9420 §2.1.2: a QUIC-style varint length header (1, 2 or 4 bytes), then the bytes. */
export function vec(body: Buffer): Buffer {
  const n = body.length;
  let header: Buffer;
  if (n < 0x40) header = Buffer.from([n]);
  else if (n < 0x4000) header = Buffer.from([0x40 | (n >> 8), n & 0xff]);
  else {
    header = Buffer.alloc(4);
    header.writeUInt32BE((0x80000000 | n) >>> 0);
  }
  return Buffer.concat([header, body]);
}

function u8(n: number): Buffer {
  return Buffer.from([n]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
}

/** DAVE: the MLS group id is the channel id (a snowflake) as 8 big-endian bytes. */
export function daveGroupId(channelId: string): Buffer {
  return u64(BigInt(channelId));
}

/** The voice gateway's P-256 signing identity (DAVE v1 = ciphersuite 2, basic credentials). */
export class ExternalSender {
  readonly #privateKey: KeyObject;
  readonly #publicPoint: Buffer;
  readonly #identity: Buffer;

  constructor(identity = Buffer.from('fake-discord-voice-gateway')) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.#privateKey = privateKey;
    const jwk = publicKey.export({ format: 'jwk' });
    // SignaturePublicKey for P-256 is the uncompressed SEC1 point.
    this.#publicPoint = Buffer.concat([Buffer.from([0x04]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    this.#identity = identity;
  }

  /** Op 25 payload: ExternalSender { signature_key<V>, Credential { u16 basic, identity<V> } }. */
  package(): Buffer {
    return Buffer.concat([vec(this.#publicPoint), u16(CREDENTIAL_BASIC), vec(this.#identity)]);
  }

  /** An MLSMessage(PublicMessage) carrying an external Add of a bare KeyPackage. */
  addProposal(groupId: Buffer, epoch: bigint, keyPackage: Buffer): Buffer {
    return this.#proposalMessage(groupId, epoch, Buffer.concat([u16(PROPOSAL_ADD), keyPackage]));
  }

  /** An MLSMessage(PublicMessage) carrying an external Remove of a leaf. */
  removeProposal(groupId: Buffer, epoch: bigint, leafIndex: number): Buffer {
    return this.#proposalMessage(groupId, epoch, Buffer.concat([u16(PROPOSAL_REMOVE), u32(leafIndex)]));
  }

  #proposalMessage(groupId: Buffer, epoch: bigint, proposal: Buffer): Buffer {
    const framedContent = Buffer.concat([
      vec(groupId),
      u64(epoch),
      u8(SENDER_EXTERNAL),
      u32(0), // the one external sender of the group's external_senders extension
      vec(Buffer.alloc(0)), // authenticated_data
      u8(CONTENT_PROPOSAL),
      proposal,
    ]);
    const prefix = Buffer.concat([u16(MLS_10), u16(WIRE_FORMAT_PUBLIC_MESSAGE)]);
    // FramedContentTBS of an external sender carries no GroupContext (RFC 9420 §6.1).
    const tbs = Buffer.concat([prefix, framedContent]);
    const signContent = Buffer.concat([vec(Buffer.from('MLS 1.0 FramedContentTBS')), vec(tbs)]);
    const signature = sign('sha256', signContent, this.#privateKey); // DER, as MLS ECDSA signatures are
    // PublicMessage = content | auth { signature<V> } (proposals: no confirmation tag; external: no membership tag).
    return Buffer.concat([prefix, framedContent, vec(signature)]);
  }
}

/** Op 27 payload: u8 operation (0 = append) | vec of MLSMessages. */
export function proposalsPayload(messages: Buffer[]): Buffer {
  return Buffer.concat([u8(0), vec(Buffer.concat(messages))]);
}

/** Reads RFC 9420 wire structures front to back. */
class Reader {
  offset = 0;
  readonly #buf: Buffer;
  constructor(buf: Buffer) {
    this.#buf = buf;
  }
  u8(): number {
    return this.#buf.readUInt8(this.#take(1));
  }
  u16(): number {
    return this.#buf.readUInt16BE(this.#take(2));
  }
  u32(): number {
    return this.#buf.readUInt32BE(this.#take(4));
  }
  u64(): bigint {
    return this.#buf.readBigUInt64BE(this.#take(8));
  }
  vec(): Buffer {
    const first = this.#buf.readUInt8(this.offset);
    const prefix = first >> 6;
    let n: number;
    if (prefix === 0) n = this.u8() & 0x3f;
    else if (prefix === 1) n = this.u16() & 0x3fff;
    else if (prefix === 2) n = this.u32() & 0x3fffffff;
    else throw new Error('MLS: invalid vector length');
    const start = this.#take(n);
    return this.#buf.subarray(start, start + n);
  }
  #take(n: number): number {
    const at = this.offset;
    if (at + n > this.#buf.length) throw new Error('MLS: truncated message');
    this.offset += n;
    return at;
  }
}

/** What the gateway learns from a committer's op 28 (RFC 9420 §6, §12.4; DAVE: commit then a bare Welcome). */
export interface CommitWelcome {
  epoch: bigint;
  /** The committer's leaf index. */
  senderLeaf: number;
  commit: Buffer;
  welcome: Buffer | null;
}

/** Splits an op 28 payload into the commit MLSMessage and the optional bare Welcome after it. */
export function parseCommitWelcome(payload: Buffer): CommitWelcome {
  const r = new Reader(payload);
  if (r.u16() !== MLS_10 || r.u16() !== WIRE_FORMAT_PUBLIC_MESSAGE) throw new Error('MLS: commit is not a PublicMessage');
  r.vec(); // group_id
  const epoch = r.u64();
  if (r.u8() !== SENDER_MEMBER) throw new Error('MLS: commit not sent by a member');
  const senderLeaf = r.u32();
  r.vec(); // authenticated_data
  if (r.u8() !== CONTENT_COMMIT) throw new Error('MLS: not a commit');
  r.vec(); // proposals<V> (by reference or inline)
  if (r.u8() === 1) {
    skipLeafNode(r);
    r.vec(); // UpdatePathNode nodes<V>
  }
  r.vec(); // signature
  r.vec(); // confirmation_tag
  r.vec(); // membership_tag
  const welcome = payload.subarray(r.offset);
  return { epoch, senderLeaf, commit: payload.subarray(0, r.offset), welcome: welcome.length > 0 ? welcome : null };
}

/** RFC 9420 §7.2 LeafNode. */
function skipLeafNode(r: Reader): void {
  r.vec(); // encryption_key
  r.vec(); // signature_key
  const credentialType = r.u16();
  if (credentialType === CREDENTIAL_BASIC) r.vec();
  else r.vec(); // x509: certificates<V>
  for (let i = 0; i < 5; i += 1) r.vec(); // capabilities: versions, cipher_suites, extensions, proposals, credentials
  const source = r.u8();
  if (source === LEAF_SOURCE_KEY_PACKAGE) {
    r.u64();
    r.u64();
  } else if (source === LEAF_SOURCE_COMMIT) r.vec(); // parent_hash
  r.vec(); // extensions
  r.vec(); // signature
}
