/** A file the bot uploaded (multipart `files[n]`). */
export interface UploadedFile {
  name: string;
  contentType?: string;
  data: Buffer;
}

/** An attachment object as Discord puts it in `resolved.attachments` and messages; served by the fake. */
export interface AttachmentSpec {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
}

/** One answer the bot gave to an interaction. */
export interface InteractionResponse {
  kind: 'callback' | 'edit' | 'followup' | 'delete';
  /** Interaction callback type (4 reply, 5 defer, 6 deferUpdate, 7 update, 9 modal). */
  type?: number;
  /** The callback's `data`, or the webhook payload (JSON or `payload_json`). */
  body: any;
  /** Message flags of the callback, or of the message after the edit/follow-up. */
  flags: number;
  /** Flag 64 (EPHEMERAL) is set. */
  ephemeral: boolean;
  files: UploadedFile[];
  /** performance.now() when the fake received it. */
  at: number;
  /** The message the response created or edited (absent for defers/deletes). */
  messageId?: string;
}

/** An interaction the fake sent to the bot, with everything the bot answered. */
export interface FakeInteraction {
  id: string;
  token: string;
  responses: InteractionResponse[];
  waitFor(pred: (r: InteractionResponse, all: InteractionResponse[]) => boolean, timeoutMs?: number): Promise<InteractionResponse>;
  /** The first callback (type 4 reply or 5 defer). */
  waitForReply(timeoutMs?: number): Promise<InteractionResponse>;
  /** Content of the newest callback/edit/follow-up that set `content`. */
  lastContent(): string | undefined;
}

/** A message the bot posted with POST /channels/{id}/messages. */
export interface PostedMessage {
  id: string;
  channelId: string;
  /** The JSON payload (or `payload_json`) as sent. */
  body: any;
  content?: string;
  flags: number;
  /** Attachment metadata from the payload (`id`, `filename`, `duration_secs`, `waveform`...). */
  attachments: any[];
  allowedMentions?: any;
  files: UploadedFile[];
  at: number;
  /** The message object the fake answered with. */
  message: any;
}

/** Message flags the fake checks. */
export const MessageFlag = { Ephemeral: 1 << 6, Loading: 1 << 7, SuppressNotifications: 1 << 12, IsVoiceMessage: 1 << 13 } as const;
