/**
 * Notices the `data: [DONE]` line of a server-sent event body while passing every byte on unchanged. The
 * SDK's stream iterator swallows that sentinel and ends the same way when a connection is cut cleanly
 * between events, so the only place to tell the two apart is the body itself. No library exposes this;
 * the check is a line scan, small enough to keep here.
 */

/** SSE lines end with CRLF, LF or CR (WHATWG HTML, "Parsing an event stream"). */
const LINE_BREAK = /\r\n|\r|\n/;
/** `data:` with its optional single space, then the sentinel OpenAI sends last. */
const DONE_LINE = /^data: ?\[DONE\]$/;
/** A partial line longer than this cannot be the sentinel any more; only its start is kept. */
const LONGEST_DONE_LINE = 'data: [DONE]'.length + 1;

/** Wraps `body`; `onDone` runs once when the sentinel line has been read. */
export function watchForDone(body: ReadableStream<Uint8Array>, onDone: () => void): ReadableStream<Uint8Array> {
  const decoder = new TextDecoder();
  let pending = '';
  let seen = false;
  const scan = (text: string, final: boolean): void => {
    const lines = (pending + text).split(LINE_BREAK);
    pending = final ? '' : (lines.pop() ?? '').slice(0, LONGEST_DONE_LINE);
    if (!seen && lines.some((line) => DONE_LINE.test(line))) {
      seen = true;
      onDone();
    }
  };
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        scan(decoder.decode(chunk, { stream: true }), false);
        controller.enqueue(chunk);
      },
      flush() {
        scan(decoder.decode(), true);
      },
    }),
  );
}
