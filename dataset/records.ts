/** The normalised instruction-tuning record every later stage reads, and the reject entry. */
export interface TrainingRecord {
  id: string;
  instruction: string;
  /** The correct response (markdown: explanation plus code blocks). */
  response: string;
  /** Python test code for the record, when the source has it (used by verified-incorrect teachers). */
  tests?: string;
  entryPoint?: string;
  /** A similar but incorrect response, when the dataset already supplies one (pairs brought by the user). */
  incorrect?: string;
  /** 1-based line (JSONL) or array index + 1 (JSON) in the source file. */
  line: number;
}

export interface Reject {
  line: number;
  id?: string;
  field?: string;
  kind: 'invalid' | 'duplicate';
  reason: string;
}

/** A record that failed validation; `field` names the offending key when there is one. */
export class RecordError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
