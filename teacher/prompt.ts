/**
 * The teacher prompt: the paper's Figure 3 template, kept verbatim in one versioned file. Its
 * sha256 goes into every output record and every cache key, so a changed template can never be
 * mixed up with answers to the old one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../artifacts/store';
import { projectRoot } from '../config/settings';

export const templateName = 'figure3.v1';

export interface PromptTemplate {
  name: string;
  sha256: string;
  text: string;
}

let cached: PromptTemplate | undefined;

export function loadTemplate(): PromptTemplate {
  if (!cached) {
    const text = readFileSync(path.join(projectRoot, 'teacher', 'templates', `${templateName}.txt`), 'utf8');
    cached = { name: templateName, sha256: sha256Hex(text), text };
  }
  return cached;
}

/** Fills the template; a function replacement so "$&"-like sequences in code stay literal. */
export function renderPrompt(template: PromptTemplate, question: string, correct: string): string {
  return template.text.replace('{{question}}', () => question).replace('{{correct}}', () => correct);
}
