/**
 * Field mappings for the instruction-tuning layouts researchers actually have on disk. Each layout
 * names the keys it reads, so a missing key is reported by name with the layout that expected it.
 */
import type { DatasetFormat, FieldMapping } from '../config/schema';
import { RecordError } from './records';

export type Layout = Exclude<DatasetFormat, 'auto'>;

interface Extracted {
  instruction: string;
  response: string;
  id?: string;
  tests?: string;
  entryPoint?: string;
  incorrect?: string;
}

const fixedMappings: Record<Exclude<Layout, 'chat' | 'custom'>, FieldMapping> = {
  fait: { instruction: 'instruction', response: 'response', id: 'id', tests: 'tests', incorrect: 'incorrect' },
  'evol-codealpaca': { instruction: 'instruction', response: 'output', id: 'id' },
  'oss-instruct': { instruction: 'problem', response: 'solution', id: 'id' },
  alpaca: { instruction: 'instruction', input: 'input', response: 'output', id: 'id' },
};

/** Picks the layout of one record from its keys (format: auto). */
export function detectLayout(record: Record<string, unknown>): Layout {
  if ('messages' in record) return 'chat';
  if ('problem' in record || 'solution' in record) return 'oss-instruct';
  if ('response' in record) return 'fait';
  if ('input' in record) return 'alpaca';
  if ('instruction' in record || 'output' in record) return 'evol-codealpaca';
  throw new RecordError(
    `no known layout: expected instruction/response (fait), instruction/output (evol-codealpaca), ` +
      `instruction/input/output (alpaca), problem/solution (oss-instruct) or messages (chat); found keys: ${Object.keys(record).join(', ') || 'none'}`,
  );
}

export function extractFields(record: Record<string, unknown>, layout: Layout, custom?: FieldMapping): Extracted {
  if (layout === 'chat') return extractChat(record);
  const mapping = layout === 'custom' ? custom : fixedMappings[layout];
  if (!mapping) throw new RecordError('format "custom" needs a fields mapping');
  const instruction = requiredText(record, mapping.instruction, layout);
  const input = mapping.input !== undefined ? optionalText(record, mapping.input) : undefined;
  return {
    // Alpaca keeps context in a separate "input"; the model sees both, as in Alpaca's own prompt.
    instruction: input ? `${instruction}\n\n${input}` : instruction,
    response: requiredText(record, mapping.response, layout),
    id: mapping.id !== undefined ? optionalId(record, mapping.id) : undefined,
    tests: mapping.tests !== undefined ? optionalTests(record, mapping.tests) : undefined,
    entryPoint: optionalText(record, 'entry_point'),
    incorrect: mapping.incorrect !== undefined ? optionalText(record, mapping.incorrect) : undefined,
  };
}

function extractChat(record: Record<string, unknown>): Extracted {
  const messages = record.messages;
  if (!Array.isArray(messages)) throw new RecordError(`expected an array of {role, content}, got ${typeName(messages)}`, 'messages');
  const turns = messages.map((m, i) => {
    if (m === null || typeof m !== 'object') throw new RecordError(`expected an object, got ${typeName(m)}`, `messages[${i}]`);
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string') throw new RecordError(`expected a string role, got ${typeName(role)}`, `messages[${i}].role`);
    if (typeof content !== 'string') throw new RecordError(`expected string content, got ${typeName(content)}`, `messages[${i}].content`);
    return { role, content };
  });
  const users = turns.filter((t) => t.role === 'user');
  const assistants = turns.filter((t) => t.role === 'assistant');
  // FAIT pairs one instruction with one response; multi-turn data has no single correct response.
  if (users.length !== 1 || assistants.length !== 1) {
    throw new RecordError(
      `expected exactly one user and one assistant message, found ${users.length} user and ${assistants.length} assistant`,
      'messages',
    );
  }
  const instruction = nonEmpty(users[0].content, 'messages[user].content');
  const response = nonEmpty(assistants[0].content, 'messages[assistant].content');
  return { instruction, response, id: optionalId(record, 'id') };
}

function requiredText(record: Record<string, unknown>, key: string, layout: Layout): string {
  if (!(key in record)) throw new RecordError(`missing field "${key}" (expected by the ${layout} layout)`, key);
  const value = record[key];
  if (typeof value !== 'string') throw new RecordError(`field "${key}": expected a string, got ${typeName(value)}`, key);
  return nonEmpty(value, key);
}

function nonEmpty(value: string, key: string): string {
  if (value.trim().length === 0) throw new RecordError(`field "${key}": expected non-empty text, got an empty string`, key);
  return value;
}

function optionalText(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new RecordError(`field "${key}": expected a string, got ${typeName(value)}`, key);
  return value;
}

function optionalId(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  throw new RecordError(`field "${key}": expected a non-empty string or an integer, got ${typeName(value)}`, key);
}

/** Tests as one Python source string; MBPP-style lists of assert lines are joined. */
function optionalTests(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('\n');
  throw new RecordError(`field "${key}": expected a string or an array of strings, got ${typeName(value)}`, key);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}
