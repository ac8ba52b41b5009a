/**
 * The teacher prompt: the paper's Figure 3, verbatim, sent as one user message. With the record's
 * instruction and response filled in, the message is exactly:
 *
 *   Please generate an incorrect response based on the provided question and correct answer. The
 *   response should be similar to the correct answer while introducing subtle but meaningful
 *   errors that appear plausible at first glance. Present your output in markdown format.
 *   (the sentence above is one line)
 *
 *   Question:
 *
 *   ```text
 *   {Instruction}
 *   ```
 *
 *   Correct response:
 *
 *   {Response}
 *
 * The question sits in a `text` fence (the figure's box); the response is the dataset's markdown
 * response as is, and the message ends where the response ends. The template lives in one
 * versioned file (teacher/templates/<templateName>.txt; the file's final newline, which editors
 * add, is not sent). The version id and the sha256 of the text go into every pair, and the
 * version id into every answer-cache key, so answers to an older prompt are never reused.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../artifacts/store';
import { projectRoot } from '../config/settings';

/** v1 had "### Question" / "### Correct Answer" headings, not the paper's wording. */
export const templateName = 'figure3.v2';

export interface PromptTemplate {
  name: string;
  sha256: string;
  text: string;
}

let cached: PromptTemplate | undefined;

export function loadTemplate(): PromptTemplate {
  if (!cached) {
    const file = readFileSync(path.join(projectRoot, 'teacher', 'templates', `${templateName}.txt`), 'utf8');
    const text = file.replace(/\n$/, '');
    cached = { name: templateName, sha256: sha256Hex(text), text };
  }
  return cached;
}

/**
 * Fills the paper's placeholders in one pass, so a "{Response}" inside the instruction stays
 * literal, and with a function replacement, so "$&"-like sequences in code stay literal too.
 */
export function renderPrompt(template: PromptTemplate, instruction: string, response: string): string {
  return template.text.replace(/\{Instruction\}|\{Response\}/g, (placeholder) => (placeholder === '{Instruction}' ? instruction : response));
}
