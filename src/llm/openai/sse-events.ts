/**
 * Server-sent events read from a byte stream, as the WHATWG spec frames them: lines end in \n,
 * \r\n or \r; `data:` lines of one event join with \n; a blank line ends the event; lines starting
 * with ":" are comments. Chunks may split anywhere (inside a line, inside a UTF-8 character).
 */
export type SseEvent = { event?: string; data: string };

export async function* sseEvents(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let event: string | undefined;
  const lineOut = (line: string): SseEvent | undefined => {
    if (line === "") {
      const done = data.length > 0 ? { event, data: data.join("\n") } : undefined;
      data = [];
      event = undefined;
      return done;
    }
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    return undefined;
  };
  for await (const chunk of chunks) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = buffer.search(/[\r\n]/);
      if (end < 0) break;
      // A \r at the very end of the buffer may be the first half of \r\n: wait for the next chunk.
      if (buffer[end] === "\r" && end === buffer.length - 1) break;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer[end] === "\r" && buffer[end + 1] === "\n" ? 2 : 1));
      const ev = lineOut(line);
      if (ev) yield ev;
    }
  }
  // An event cut off by the end of the stream (no blank line yet) is dropped, as the spec says: a
  // dropped connection must not yield half a JSON chunk.
}
