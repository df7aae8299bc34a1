// Attachment stream v1 (SECURITY.md "Attachment stream v1"): the browser twin of
// crypto/stream.py. Chunked AES-256-GCM (STREAM): a random file key sealed in an envelope v1,
// then header (13 bytes) ‖ chunk_0 ‖ … ‖ chunk_{n-1}, each chunk sealed with the nonce
// nonce_prefix(7) ‖ uint32_be(counter) ‖ last_flag and the header as associated data.
//
//   encryptStream(source, recipients, context, {chunkSize}) -> {envelope, stream}
//   decryptStream(source, keyEnvelope, privateKey, context) -> ReadableStream
//   decryptToBlob(source, keyEnvelope, privateKey, context, {type}) -> Blob
//   createEncryptor(fileKey, {chunkSize}) / createDecryptor(fileKey) -> TransformStream
//
// `source` is a Blob (File) or a ReadableStream of Uint8Array. Memory stays bounded by one
// chunk plus what the streams queue. Decrypted output is authenticated chunk by chunk, but the
// stream is only known complete when it closes without an error: a truncated or extended
// stream errors at the end with EnvelopeError, so treat output as provisional until then
// (decryptToBlob does: it resolves only after the last chunk authenticated).

import { EnvelopeError, seal, unseal } from "./envelope.js";

export { EnvelopeError };

export const CHUNK_SIZE = 64 * 1024;
export const HEADER_LEN = 13;
export const TAG_LEN = 16;
const MAGIC = [0x54, 0x52, 0x59, 0x53]; // "TRYS"
const VERSION = 1;
const MIN_LOG2 = 10;
const MAX_LOG2 = 24;
const PREFIX_LEN = 7;
const MAX_CHUNKS = 2 ** 32;

function log2Chunk(chunkSize) {
  const log2 = Math.log2(chunkSize);
  if (!Number.isInteger(log2) || log2 < MIN_LOG2 || log2 > MAX_LOG2) {
    throw new RangeError("chunk size must be a power of two from 1 KiB to 16 MiB");
  }
  return log2;
}

export function encryptedSize(plaintextSize, chunkSize = CHUNK_SIZE) {
  log2Chunk(chunkSize);
  return HEADER_LEN + plaintextSize + Math.max(1, Math.ceil(plaintextSize / chunkSize)) * TAG_LEN;
}

function nonce(prefix, counter, last) {
  const n = new Uint8Array(12);
  n.set(prefix);
  new DataView(n.buffer).setUint32(PREFIX_LEN, counter, false);
  n[11] = last ? 1 : 0;
  return n;
}

async function importFileKey(fileKey, usage) {
  if (!(fileKey instanceof Uint8Array) || fileKey.length !== 32) {
    throw new TypeError("file key is 32 bytes");
  }
  return crypto.subtle.importKey("raw", fileKey, "AES-GCM", false, [usage]);
}

function asBytes(piece) {
  if (piece instanceof Uint8Array) return piece;
  if (piece instanceof ArrayBuffer) return new Uint8Array(piece);
  if (ArrayBuffer.isView(piece)) return new Uint8Array(piece.buffer, piece.byteOffset, piece.byteLength);
  throw new TypeError("stream pieces must be bytes");
}

// Fills a fixed buffer of `size` bytes; `onFull(buffer)` runs only when a full buffer is
// followed by more data, so the last buffer (full or not) is left for flush.
function chunker(size, onFull) {
  const buf = new Uint8Array(size);
  let fill = 0;
  return {
    async push(bytes) {
      let at = 0;
      while (at < bytes.length) {
        if (fill === size) {
          await onFull(buf);
          fill = 0;
        }
        const n = Math.min(size - fill, bytes.length - at);
        buf.set(bytes.subarray(at, at + n), fill);
        fill += n;
        at += n;
      }
    },
    rest() {
      return buf.subarray(0, fill);
    },
  };
}

/** A TransformStream from plaintext bytes to header ‖ sealed chunks, under a raw file key. */
export async function createEncryptor(fileKey, { chunkSize = CHUNK_SIZE } = {}) {
  const header = new Uint8Array(HEADER_LEN);
  header.set(MAGIC);
  header[4] = VERSION;
  header[5] = log2Chunk(chunkSize);
  const prefix = crypto.getRandomValues(new Uint8Array(PREFIX_LEN));
  header.set(prefix, 6);
  const key = await importFileKey(fileKey, "encrypt");
  let counter = 0;
  const sealChunk = async (data, last) => {
    if (counter >= MAX_CHUNKS) throw new RangeError("stream too long");
    const params = { name: "AES-GCM", iv: nonce(prefix, counter++, last), additionalData: header };
    return new Uint8Array(await crypto.subtle.encrypt(params, key, data));
  };
  let controllerRef;
  const chunks = chunker(chunkSize, async (full) => controllerRef.enqueue(await sealChunk(full, false)));
  return new TransformStream({
    start(controller) {
      controllerRef = controller;
      controller.enqueue(header.slice());
    },
    async transform(piece) {
      await chunks.push(asBytes(piece));
    },
    async flush(controller) {
      controller.enqueue(await sealChunk(chunks.rest(), true));
    },
  });
}

/** A TransformStream from header ‖ sealed chunks to plaintext; errors with EnvelopeError. */
export async function createDecryptor(fileKey) {
  const key = await importFileKey(fileKey, "decrypt");
  const header = new Uint8Array(HEADER_LEN);
  let headerFill = 0;
  let prefix;
  let chunks;
  let counter = 0;
  let controllerRef;
  const fail = (why) => new EnvelopeError(`attachment stream: ${why}`);
  const openChunk = async (data, last) => {
    if (counter >= MAX_CHUNKS) throw fail("too many chunks");
    const params = { name: "AES-GCM", iv: nonce(prefix, counter, last), additionalData: header };
    try {
      const out = new Uint8Array(await crypto.subtle.decrypt(params, key, data));
      counter++;
      return out;
    } catch {
      throw fail("chunk failed authentication");
    }
  };
  const parseHeader = () => {
    if (MAGIC.some((b, i) => header[i] !== b) || header[4] !== VERSION) throw fail("not a v1 stream");
    if (header[5] < MIN_LOG2 || header[5] > MAX_LOG2) throw fail("bad chunk size");
    prefix = header.slice(6);
    const sealedSize = 2 ** header[5] + TAG_LEN;
    chunks = chunker(sealedSize, async (full) => controllerRef.enqueue(await openChunk(full, false)));
  };
  return new TransformStream({
    start(controller) {
      controllerRef = controller;
    },
    async transform(piece) {
      let bytes = asBytes(piece);
      if (headerFill < HEADER_LEN) {
        const n = Math.min(HEADER_LEN - headerFill, bytes.length);
        header.set(bytes.subarray(0, n), headerFill);
        headerFill += n;
        bytes = bytes.subarray(n);
        if (headerFill < HEADER_LEN) return;
        parseHeader();
      }
      await chunks.push(bytes);
    },
    async flush(controller) {
      if (headerFill < HEADER_LEN) throw fail("truncated header");
      const rest = chunks.rest();
      // Canonical framing: a final chunk is empty only when it is the only one.
      if (rest.length < TAG_LEN || (rest.length === TAG_LEN && counter > 0)) throw fail("truncated");
      controller.enqueue(await openChunk(rest, true));
    },
  });
}

function toStream(source) {
  if (source instanceof Blob) return source.stream();
  if (source instanceof ReadableStream) return source;
  throw new TypeError("source must be a Blob or a ReadableStream");
}

/** Seal a fresh file key to `recipients` and encrypt `source`; returns {envelope, stream}. */
export async function encryptStream(source, recipients, context, { chunkSize = CHUNK_SIZE } = {}) {
  const input = toStream(source);
  const fileKey = crypto.getRandomValues(new Uint8Array(32));
  try {
    const envelope = await seal(fileKey, recipients, context);
    const transform = await createEncryptor(fileKey, { chunkSize });
    return { envelope, stream: input.pipeThrough(transform) };
  } finally {
    fileKey.fill(0);
  }
}

/** Open the file key (EnvelopeError if that fails) and return the plaintext stream. */
export async function decryptStream(source, keyEnvelope, privateKey, context) {
  const input = toStream(source);
  const fileKey = await unseal(keyEnvelope, privateKey, context);
  try {
    if (fileKey.length !== 32) throw new EnvelopeError("attachment stream: file key is 32 bytes");
    return input.pipeThrough(await createDecryptor(fileKey));
  } finally {
    fileKey.fill(0);
  }
}

async function collect(stream, type) {
  const parts = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  return new Blob(parts, { type });
}

/** Encrypt into a Blob (for upload); {envelope, blob}. */
export async function encryptToBlob(source, recipients, context, options = {}) {
  const { envelope, stream } = await encryptStream(source, recipients, context, options);
  return { envelope, blob: await collect(stream, "application/octet-stream") };
}

/** Decrypt into a Blob that exists only if the whole stream authenticated. */
export async function decryptToBlob(source, keyEnvelope, privateKey, context, { type = "" } = {}) {
  return collect(await decryptStream(source, keyEnvelope, privateKey, context), type);
}
