import { nextSnowflake } from './ids.ts';
import type { RestReply } from './rest-server.ts';
import type { AttachmentSpec } from './types.ts';

interface StoredFile {
  data: Buffer;
  contentType: string;
  status: number;
  bytesPerSecond?: number;
}

/** What a test hands to `serveAttachment`. */
export interface ServeAttachmentSpec {
  filename: string;
  contentType?: string;
  data: Buffer;
  /** HTTP status to answer downloads with (e.g. 404 to make the download fail). */
  status?: number;
  /** Override the size the attachment object declares (e.g. to claim a huge file). */
  size?: number;
  /** Serve the bytes at this rate, like a network link (default: as fast as loopback goes). */
  bytesPerSecond?: number;
}

/**
 * Files reachable over HTTP on the fake, like Discord's CDN: attachments tests offer to the bot and
 * files the bot uploaded. `url` and `proxy_url` both serve the bytes.
 */
export class AttachmentStore {
  readonly #files = new Map<string, StoredFile>();
  readonly #baseUrl: string;

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl;
  }

  /** Stores a file and returns its attachment object. */
  serve(spec: ServeAttachmentSpec, channelId = '0'): AttachmentSpec {
    const id = nextSnowflake();
    const path = `/attachments/${channelId}/${id}/${encodeURIComponent(spec.filename)}`;
    const contentType = spec.contentType ?? 'application/octet-stream';
    this.#files.set(path, { data: spec.data, contentType, status: spec.status ?? 200, bytesPerSecond: spec.bytesPerSecond });
    const attachment: AttachmentSpec = {
      id,
      filename: spec.filename,
      size: spec.size ?? spec.data.length,
      url: `${this.#baseUrl}${path}`,
      proxy_url: `${this.#baseUrl}/media-proxy${path}`,
    };
    if (spec.contentType !== undefined) attachment.content_type = spec.contentType;
    return attachment;
  }

  /** Answers a GET for a stored file's url or proxy_url, undefined for other paths. */
  download(pathname: string): RestReply | undefined {
    const path = pathname.startsWith('/media-proxy/') ? pathname.slice('/media-proxy'.length) : pathname;
    const file = this.#files.get(path);
    if (!file) return undefined;
    if (file.status >= 400) return { status: file.status, raw: { data: Buffer.from('Not Found'), contentType: 'text/plain' } };
    return { status: file.status, raw: { data: file.data, contentType: file.contentType, bytesPerSecond: file.bytesPerSecond } };
  }
}
