import autocannon from 'autocannon';

/**
 * Runs autocannon in its own process, so the load generator does not share the server's event loop.
 * Receives the options over IPC, answers with a summary, then exits.
 */
export interface LoadRequest {
  url: string;
  connections: number;
  duration: number;
  headers: Record<string, string>;
}

export interface LoadSummary {
  requestsPerSecond: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyP50: number;
  latencyP99: number;
  bytesPerSecond: number;
}

process.once('message', (message: LoadRequest) => {
  autocannon(
    {
      url: message.url,
      connections: message.connections,
      duration: message.duration,
      headers: message.headers,
    },
    (error, result) => {
      if (error) {
        process.send?.({ error: error.message });
      } else {
        const summary: LoadSummary = {
          requestsPerSecond: result.requests.average,
          total: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          latencyP50: result.latency.p50,
          latencyP99: result.latency.p99,
          bytesPerSecond: result.throughput.average,
        };
        process.send?.({ summary });
      }
      process.disconnect?.();
    },
  );
});
