/** `POST /v1/audio/transcriptions`: a multipart upload in, `{text, usage}` out. */
import { extname } from 'node:path';
import { invalidRequest, schemaViolation } from './api-errors.ts';
import { audioDurationMs } from './audio-bytes.ts';
import { sendBodyNow, takeScript } from './context.ts';
import type { HandlerContext, ScriptQueue } from './context.ts';
import { assertModelServes } from './models.ts';
import { sendPacedChunks } from './paced-writer.ts';
import type { MultipartBody, RecordedFile, TranscriptionScript } from './types.ts';
import { transcriptionUsage } from './usage.ts';
import { validateDetailed } from './validate.ts';

/** What the fake hears when no transcription is scripted. */
export const DEFAULT_TRANSCRIPTION_TEXT = 'This is what the fake OpenAI heard.';
const SUPPORTED_EXTENSIONS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'];

/** Parses a `multipart/form-data` body with the platform's own parser; `key[]` fields become arrays. */
export async function parseMultipart(contentType: string, rawBody: Buffer): Promise<MultipartBody> {
  const form = await new Request('http://127.0.0.1/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(rawBody),
  }).formData();
  const fields: MultipartBody['fields'] = {};
  const files: RecordedFile[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      if (name.endsWith('[]')) {
        const key = name.slice(0, -2);
        const existing = fields[key];
        fields[key] = Array.isArray(existing) ? [...existing, value] : [value];
      } else {
        fields[name] = value;
      }
    } else {
      files.push({
        name,
        filename: value.name,
        contentType: value.type,
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
  }
  return { fields, files };
}

/** Handles one transcription request (throws `ApiError` for the router to send). */
export async function handleTranscription(
  ctx: HandlerContext,
  queue: ScriptQueue<TranscriptionScript>,
): Promise<void> {
  const contentType = ctx.req.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) {
    throw invalidRequest(`Invalid Content-Type header (${contentType}), expected multipart/form-data.`);
  }
  // The router has already parsed the multipart body into the record.
  const body = ctx.record.body as MultipartBody;
  if (typeof body !== 'object' || body === null || !Array.isArray(body.files)) {
    throw invalidRequest('Could not parse multipart form data.');
  }
  // Form fields are strings on the wire; coercion lets "0.2" satisfy `temperature: number` as the API does.
  const asJson: Record<string, unknown> = structuredClone(body.fields);
  for (const file of body.files) asJson[file.name] = `<${file.data.length} bytes>`;
  const validation = validateDetailed('CreateTranscriptionRequest', asJson, { coerceTypes: true });
  ctx.record.schemaErrors = validation.messages;
  if (validation.errors.length > 0) throw schemaViolation(validation.errors);
  const model = String(asJson['model']);
  assertModelServes(model, 'transcription', ctx.state.models);
  const file = body.files.find((f) => f.name === 'file')!;
  const extension = extname(file.filename).slice(1).toLowerCase();
  if (!SUPPORTED_EXTENSIONS.includes(extension)) {
    throw invalidRequest(
      `Invalid file format. Supported formats: ${JSON.stringify(SUPPORTED_EXTENSIONS)}`,
      'file',
      'invalid_value',
    );
  }
  if (asJson['stream'] === true) {
    throw invalidRequest("'stream' is not supported by this fake.", 'stream', 'unsupported_value');
  }
  const responseFormat = String(asJson['response_format'] ?? 'json');
  if (responseFormat !== 'json' && responseFormat !== 'text') {
    throw invalidRequest(
      `'response_format' '${responseFormat}' is not supported by this fake (use json or text).`,
      'response_format',
      'unsupported_value',
    );
  }

  const script = takeScript(ctx, queue);
  const text = script.text ?? DEFAULT_TRANSCRIPTION_TEXT;
  const fault = script.fault;
  ctx.commit(200);
  const usage = transcriptionUsage(model, audioDurationMs(file.data), text);
  const [responseContentType, payload] =
    responseFormat === 'text'
      ? ['text/plain; charset=utf-8', `${text}\n`]
      : ['application/json', JSON.stringify({ text, usage })];
  if (!fault) {
    sendBodyNow(ctx.res, 200, payload, { 'content-type': responseContentType });
    if (responseFormat === 'json') ctx.record.reportedUsage = usage;
    ctx.record.endedAt = performance.now();
    ctx.observer.onEnd(ctx.record);
    return;
  }
  // Like a non-streamed chat answer, the body counts as two chunks (its halves).
  ctx.res.writeHead(200, { 'content-type': responseContentType });
  ctx.res.flushHeaders();
  const half = Math.floor(payload.length / 2);
  const reported = responseFormat === 'json' ? { usage } : {};
  await sendPacedChunks(ctx.res, [{ data: payload.slice(0, half) }, { data: payload.slice(half), ...reported }], {
    pacing: {},
    fault,
    signal: ctx.state.signal,
    observer: ctx.observer,
  });
}
