/**
 * Preloaded into each Node child (`node --import …/parent-watch.js app.js`). The launcher gives its
 * children an IPC channel; if the launcher dies without stopping them (SIGKILL, a crash), the channel
 * closes and the child sends itself SIGTERM, so no orphan keeps a port busy.
 */
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
  });
}

export {};
