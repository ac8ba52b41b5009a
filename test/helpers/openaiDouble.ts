/**
 * A local OpenAI-compatible server for tests (a test double for an external API we cannot run
 * here), on 127.0.0.1. A teacher prompt is read the way an independent endpoint that follows the
 * paper's Figure 3 wording reads it: the question after "Question:" (inside its ```text fence),
 * the correct response after the line "Correct response:". It answers with a plausible incorrect
 * variant of that response, wrapped the way real teachers wrap answers; a teacher prompt without
 * a "Correct response:" line gets the reply a real model gives, that it found no correct response
 * (every such record ends as a reject). Other prompts (evaluation) get the prompt's function
 * completed. It injects
 * faults on a deterministic share of requests: 429 (with Retry-After), 500, hanging past the
 * client's timeout, truncated JSON, malformed markdown, and an answer identical to the correct
 * response. Every request is logged.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = '429' | '500' | 'hang' | 'truncated' | 'malformed' | 'identical';

export interface DoubleOptions {
  apiKey: string;
  model: string;
  /** Share of requests that get a fault, chosen deterministically from the request number. */
  faultRate?: number;
  faults?: Fault[];
  latencyMs?: number;
  /** Answer every request with this status (e.g. 401) regardless of key and model. */
  forceStatus?: number;
}

export interface LoggedRequest {
  n: number;
  /** The one user message, as received. */
  prompt: string;
  promptSha256: string;
  /** The request body's parameters besides the messages. */
  model: string;
  temperature: number | undefined;
  maxTokens: number | undefined;
  seed: number | undefined;
  /** What the double located in a teacher prompt (undefined: not found, or not a teacher prompt). */
  question?: string;
  correct?: string;
  outcome: Fault | 'ok' | 'unauthorized' | 'unknown-model' | 'no-correct-response';
}

export interface OpenAiDouble {
  baseUrl: string;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

/** The opening of the paper's Figure 3 prompt: what tells a teacher request from an evaluation one. */
const teacherOpening = 'Please generate an incorrect response based on the provided question and correct answer.';

/** Where a reader of the Figure 3 wording finds the question: after "Question:", in its ```text fence. */
export function locateQuestion(prompt: string): string | undefined {
  const match = /^Question:[ \t]*\n(?:[ \t]*\n)?```text\n([\s\S]*?)\n```[ \t]*\n[\s\S]*?^Correct response:/m.exec(prompt);
  return match?.[1];
}

/** ... and the correct response: everything after the line "Correct response:" and one blank line. */
export function locateCorrectResponse(prompt: string): string | undefined {
  const match = /^Correct response:[ \t]*\n(?:[ \t]*\n)?/m.exec(prompt);
  return match ? prompt.slice(match.index + match[0].length) : undefined;
}

export async function startOpenAiDouble(options: DoubleOptions): Promise<OpenAiDouble> {
  const requests: LoggedRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const faults = options.faults ?? ['429', '500', 'hang', 'truncated', 'malformed', 'identical'];
  let counter = 0;

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url?.endsWith('/models')) return json(res, 200, { object: 'list', data: [{ id: options.model, object: 'model' }] });
    const body = JSON.parse(await readBody(req)) as { model: string; seed?: number; temperature?: number; max_tokens?: number; messages: { content: string }[] };
    const prompt = body.messages[0].content;
    const n = counter++;
    const entry: LoggedRequest = {
      n,
      prompt,
      promptSha256: createHash('sha256').update(prompt).digest('hex'),
      model: body.model,
      temperature: body.temperature,
      maxTokens: body.max_tokens,
      seed: body.seed,
      outcome: 'ok',
    };
    requests.push(entry);
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    if (options.forceStatus) return json(res, options.forceStatus, { error: { message: `forced ${options.forceStatus}` } });
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      entry.outcome = 'unauthorized';
      return json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    if (body.model !== options.model) {
      entry.outcome = 'unknown-model';
      return json(res, 404, { error: { message: `The model \`${body.model}\` does not exist`, code: 'model_not_found' } });
    }
    if (!prompt.startsWith(teacherOpening)) {
      // Not a teacher prompt: an evaluation prompt, answered with the prompt's function completed.
      const code = /```python\n([\s\S]*?)\n```/.exec(prompt)?.[1] ?? '';
      return json(res, 200, completion(body.model, `Here is the function:\n\`\`\`python\n${code}\n    return None\n\`\`\`\nIt returns None.`));
    }
    entry.question = locateQuestion(prompt);
    const correct = locateCorrectResponse(prompt);
    if (correct === undefined) {
      entry.outcome = 'no-correct-response';
      return json(res, 200, completion(body.model, 'I could not find a correct response in your message. Please provide the question and its correct response.'));
    }
    entry.correct = correct;
    // A record that no teacher can vary: every sample comes back identical, so it must end as a reject.
    const fault = correct.includes('ALWAYS-IDENTICAL') ? 'identical' : pick(n, options.faultRate ?? 0, faults);
    entry.outcome = fault ?? 'ok';
    switch (fault) {
      case '429':
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
        return void res.end(JSON.stringify({ error: { message: 'Rate limit reached' } }));
      case '500':
        return json(res, 500, { error: { message: 'internal error' } });
      case 'hang':
        hanging.add(res);
        return;
      case 'truncated': {
        const text = JSON.stringify(completion(body.model, wrap(mutate(correct))));
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(text.slice(0, Math.floor(text.length / 2)));
      }
      case 'malformed':
        return json(res, 200, completion(body.model, 'I am sorry, but I can only describe the error in words: the loop bound is wrong.'));
      case 'identical':
        return json(res, 200, completion(body.model, correct));
      default:
        return json(res, 200, completion(body.model, wrap(mutate(correct))));
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A small, plausible fault: the first digit, comparison or boolean operator changed. */
export function mutate(correct: string): string {
  const rules: [RegExp, (m: string) => string][] = [
    [/<=/, () => '<'],
    [/>=/, () => '>'],
    [/ == /, () => ' != '],
    [/\d/, (d) => String((Number(d) + 1) % 10)],
  ];
  for (const [pattern, replace] of rules) if (pattern.test(correct)) return correct.replace(pattern, replace);
  return correct.replace(/\n```/, '\n    pass\n```');
}

function wrap(variant: string): string {
  return `\`\`\`markdown\n## Incorrect Response\n\n${variant.trimEnd()}\n\`\`\`\n\n**Explanation:** the comparison was subtly changed.\n`;
}

function completion(model: string, content: string) {
  return {
    id: 'chatcmpl-double',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

function pick(n: number, rate: number, faults: Fault[]): Fault | undefined {
  // Deterministic hash of the request number, so a run's faults are reproducible.
  const h = createHash('sha256').update(String(n)).digest();
  if (h.readUInt32BE(0) / 2 ** 32 >= rate) return undefined;
  return faults[h.readUInt32BE(4) % faults.length];
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.once('end', () => resolve(data));
    req.once('error', reject);
  });
}
