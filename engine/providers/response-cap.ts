/**
 * The most bytes one event stream may carry: 64 MiB. No model's output comes near it (128k
 * output tokens is about half a megabyte of text, a few megabytes as events), so a stream this
 * long is a broken or hostile endpoint. Counted on the bytes as they arrive, before the SDK
 * decodes them: the SDK holds an event's whole line, and then the whole message, in memory, so a
 * cap on decoded text came too late for one huge event (one 256 MiB event reached 2.2 GB of RSS
 * under a 32 Mi-character cap; the audit's 200-300 MB replies reached 5 GB). Not retried: it
 * would come again (retry-policy.ts, `response_too_large`).
 */
export const MAX_STREAM_BYTES = 64 * 1024 * 1024;

/** A stream cut at the cap. */
export class ResponseTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`the response went over ${limit / 1024 / 1024} MiB, far past any model's output; the stream was stopped: check the endpoint`);
  }
}

/**
 * The SDK's `fetch` option (ClientOptions.fetch: "Specify a custom fetch function
 * implementation"): the global fetch, with an event stream's body counted as it arrives and
 * failed with ResponseTooLarge once it passes `limit`, which cancels the rest of the download.
 * Other bodies (JSON answers, a batch's results file, which may be gigabytes of lines and is
 * read line by line) pass untouched, as does everything the SDK sends (its init, a proxy's
 * dispatcher included).
 */
export function cappedFetch(limit = MAX_STREAM_BYTES): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (response.body === null || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
    let seen = 0;
    const counted = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > limit) controller.error(new ResponseTooLarge(limit));
          else controller.enqueue(chunk);
        },
      }),
    );
    return new Response(counted, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}
