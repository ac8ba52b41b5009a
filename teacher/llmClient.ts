/**
 * One chat completion from an OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, hosted
 * APIs), with every failure sorted into transient (worth retrying) or permanent (stop the stage:
 * retrying a wrong key or model would only burn through the dataset).
 */
import OpenAI from 'openai';

export interface Endpoint {
  baseUrl: string;
  model: string;
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
}

export class PermanentTeacherError extends Error {
  override name = 'PermanentTeacherError';
}

export class TransientTeacherError extends Error {
  override name = 'TransientTeacherError';
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** What came back: the answer text, or why the answer itself is unusable (re-ask). */
export type Completion = { ok: true; text: string } | { ok: false; reason: string };

export function createClient(endpoint: Endpoint, apiKey: string): OpenAI {
  // Retries are ours (counted, bounded, Retry-After aware), so the SDK's own are off.
  return new OpenAI({ apiKey, baseURL: endpoint.baseUrl, maxRetries: 0, timeout: endpoint.timeoutMs });
}

/** The request body for one prompt: every parameter sent, so it is also the core of the answer-cache key. */
export function chatRequest(endpoint: Endpoint, prompt: string, seed: number) {
  return {
    model: endpoint.model,
    messages: [{ role: 'user' as const, content: prompt }],
    temperature: endpoint.temperature,
    max_tokens: endpoint.maxTokens,
    seed,
  };
}
export type ChatRequest = ReturnType<typeof chatRequest>;

export async function requestCompletion(client: OpenAI, endpoint: Endpoint, request: ChatRequest): Promise<Completion> {
  let response: OpenAI.Chat.Completions.ChatCompletion;
  try {
    response = await client.chat.completions.create(request);
  } catch (err) {
    throw classify(err, endpoint);
  }
  const choice = response?.choices?.[0];
  const text = choice?.message?.content;
  if (typeof text !== 'string') return { ok: false, reason: 'the response has no message content' };
  if (choice.finish_reason === 'length') return { ok: false, reason: `the answer was cut off at max tokens (${endpoint.maxTokens})` };
  return { ok: true, text };
}

function classify(err: unknown, endpoint: Endpoint): Error {
  const where = `${endpoint.baseUrl} (model ${endpoint.model})`;
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new TransientTeacherError(`timed out after ${endpoint.timeoutMs} ms at ${where}`);
  if (err instanceof OpenAI.APIConnectionError) return new TransientTeacherError(`connection to ${where} failed: ${err.message}`);
  if (err instanceof OpenAI.APIError && err.status !== undefined) {
    const status = err.status;
    if (status === 429 || status === 408 || status === 409 || status >= 500) {
      return new TransientTeacherError(`HTTP ${status} from ${where}`, retryAfterMs(err.headers));
    }
    const hint =
      status === 401 ? 'the API key was rejected; check the variable named by teacher.apiKeyEnv'
      : status === 403 ? 'the API key may not use this model'
      : status === 404 ? 'unknown model or wrong base URL; check teacher.model and teacher.baseUrl'
      : 'the endpoint rejected the request';
    return new PermanentTeacherError(`HTTP ${status} from ${where}: ${hint} (${err.message})`);
  }
  // A body that is not valid JSON (truncated response) and similar transport damage.
  return new TransientTeacherError(`unreadable response from ${where}: ${(err as Error).message}`);
}

function retryAfterMs(headers: Headers | undefined): number | undefined {
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
