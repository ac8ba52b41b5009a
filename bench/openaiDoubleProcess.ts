/**
 * Runs the OpenAI-compatible test double as its own process (for benchmarks, so the endpoint does
 * not share an event loop with the client it measures). Prints its base URL, then serves until
 * killed. Usage: node dist/bench/openaiDoubleProcess.js '{"apiKey":"k","model":"m","latencyMs":200}'
 */
import { startOpenAiDouble, type DoubleOptions } from '../test/helpers/openaiDouble';

void startOpenAiDouble(JSON.parse(process.argv[2]) as DoubleOptions).then((double) => {
  process.stdout.write(`${double.baseUrl}\n`);
});
