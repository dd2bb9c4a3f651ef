// The launch queue: concurrent requests start one after another, each once the previous one is on its way.
import { describe, expect, it } from 'vitest';
import { LaunchQueue } from '../../src/enactor/launch.js';

describe('launch queue', () => {
  it('lets a request start only after the one taken before it has launched, in the order taken', async () => {
    const queue = new LaunchQueue();
    const log: string[] = [];
    let launchFirst!: () => void;
    const first = queue.take().then((launched) => {
      log.push('1 starts');
      launchFirst = launched;
    });
    const second = queue.take().then((launched) => {
      log.push('2 starts');
      launched();
    });
    const third = queue.take().then(() => log.push('3 starts'));
    await first;
    // However long the first takes to launch, the second waits.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(log).toEqual(['1 starts']);
    launchFirst();
    await Promise.all([second, third]);
    expect(log).toEqual(['1 starts', '2 starts', '3 starts']);
  });

  it('does not hold the queue for a request marked launched twice or after a failure', async () => {
    const queue = new LaunchQueue();
    const launched = await queue.take();
    launched();
    launched();
    const next = await queue.take();
    next();
    await expect(queue.take()).resolves.toBeTypeOf('function');
  });
});
