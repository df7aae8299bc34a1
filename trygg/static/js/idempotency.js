// One idempotency key per message. The key is made when a message is first sent and kept
// while the same message is sent again (the answer was lost, the person presses "Send"
// again), so the server stores it once and answers the resend as a replay. A different
// message gets a new key; a message that was stored forgets its key.

import { encode } from "./b64.js";

const pending = new Map(); // slot -> { message, key }

/** The key for `message` (a string that identifies its content) sent from `slot`. */
export function keyFor(slot, message) {
  const known = pending.get(slot);
  if (known && known.message === message) return known.key;
  const key = encode(crypto.getRandomValues(new Uint8Array(32)));
  pending.set(slot, { message, key });
  return key;
}

/** The message from `slot` was stored: the next one gets a new key. */
export function stored(slot) {
  pending.delete(slot);
}
