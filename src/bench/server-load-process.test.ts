import { describe, expect, it } from 'vitest';
import {
  cpuSecondsOfStat,
  listenQueueCountersOf,
  memoryOfStatus,
  startListeningProcess,
} from './server-load-process.js';

describe('cpuSecondsOfStat', () => {
  it('adds utime and stime (14th and 15th fields) in ticks of 1/100 s', () => {
    // The command name may hold spaces and parentheses; fields are counted after the last ')'.
    const stat =
      '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 9000 0 12 0 250 50 0 0 20 0 11 0 1000 1 1';
    expect(cpuSecondsOfStat(stat)).toBeCloseTo(3, 12);
  });
});

describe('memoryOfStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t  900000 kB\nVmHWM:\t  250000 kB\nVmRSS:\t  200000 kB\n';
    expect(memoryOfStatus(status)).toEqual({
      rssBytes: 200000 * 1024,
      peakRssBytes: 250000 * 1024,
    });
  });

  it('gives NaN for a missing field', () => {
    expect(memoryOfStatus('Name:\tx\n').rssBytes).toBeNaN();
  });
});

describe('startListeningProcess', () => {
  it('resolves the announced URL and keeps what the process prints afterwards', async () => {
    const script =
      "console.log('starting'); console.log('listening on http://127.0.0.1:9 (test)');" +
      "setTimeout(() => console.error('a warning'), 50); setInterval(() => {}, 1000);";
    const started = await startListeningProcess({
      nodeArguments: ['-e', script],
      timeoutMs: 10_000,
    });
    try {
      expect(started.url).toBe('http://127.0.0.1:9');
      expect(started.startupLines).toEqual(['starting', 'listening on http://127.0.0.1:9 (test)']);
      const deadline = Date.now() + 5000;
      let output = started.takeOutput();
      while (output.lines.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        output = started.takeOutput();
      }
      expect(output).toEqual({ lines: ['stderr: a warning'], dropped: 0 });
      if (process.platform === 'linux') {
        expect(started.cpuSeconds()).toBeGreaterThanOrEqual(0);
        expect(started.memory().peakRssBytes).toBeGreaterThan(0);
      }
    } finally {
      await started.stop();
    }
    expect(started.exited()).toBe('signal SIGTERM');
  });

  it('rejects when the process ends before listening', async () => {
    await expect(
      startListeningProcess({ nodeArguments: ['-e', "console.log('no'); process.exit(3)"] }),
    ).rejects.toThrow(/ended \(3\) before listening:\nno/);
  });
});

describe('listenQueueCountersOf', () => {
  it('reads the TcpExt listen-queue counters by name', () => {
    const netstat =
      'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPHPHits\n' +
      'TcpExt: 194 570 2434 2439 3237858\n' +
      'IpExt: InNoRoutes ListenOverflows\n' +
      'IpExt: 0 99\n';
    expect(listenQueueCountersOf(netstat)).toEqual({
      listenOverflows: 2434,
      listenDrops: 2439,
      syncookiesSent: 194,
    });
  });

  it('gives NaN for a counter the kernel does not report', () => {
    expect(listenQueueCountersOf('TcpExt: ListenDrops\nTcpExt: 5\n').listenOverflows).toBeNaN();
  });
});
