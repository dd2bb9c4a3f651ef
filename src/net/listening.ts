// Starting a listener (a TCP or HTTP server's listen, a UDP socket's bind) as a promise: both report a taken
// port as an 'error' event instead of to their callback, so the 'error' wait and its removal belong together.

/** Resolves when `start` calls back, rejects on the 'error' the emitter may emit first (EADDRINUSE, EACCES). */
export function listening(emitter: NodeJS.EventEmitter, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    emitter.once('error', reject);
    start(() => {
      emitter.off('error', reject);
      resolve();
    });
  });
}
