"""Python reference for bench/masks.ts: the FAIT masks as a researcher would compute them.

Lines: difflib.SequenceMatcher over the lines (split on "\\n", each line keeping its "\\n", as in
masks/lines.ts); a line of c in a 'replace'/'insert' opcode is added, a line of a in a
'replace'/'delete' opcode is deleted. Characters: Levenshtein.editops(incorrect, correct) (the C
implementation); an inserted or replaced character is marked in c, a deleted or replaced one in a.
Offsets are Python str indices (code points), as sorted merged half-open spans.

usage: masks_reference.py PAIRS.jsonl OUT.json SECONDS
Times the masks of each kind of pair ("a", "b") on one core and writes the rates and the masks of
every pair (for the agreement check) to OUT.json.
"""

import difflib
import json
import sys
import time

import Levenshtein


def split_lines(text):
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def to_spans(positions):
    spans = []
    for p in positions:
        if spans and spans[-1][1] == p:
            spans[-1][1] = p + 1
        else:
            spans.append([p, p + 1])
    return spans


def reference_masks(correct, incorrect):
    lines_c = split_lines(correct)
    lines_a = split_lines(incorrect)
    mask_c = [0] * len(lines_c)
    mask_a = [0] * len(lines_a)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lines_a, lines_c).get_opcodes():
        if tag != "equal":
            for i in range(i1, i2):
                mask_a[i] = 1
            for j in range(j1, j2):
                mask_c[j] = 1
    ops = Levenshtein.editops(incorrect, correct)
    marked_c = [d for t, s, d in ops if t != "delete"]
    marked_a = [s for t, s, d in ops if t != "insert"]
    return {
        "distance": len(ops),
        "correct": {"lineMask": mask_c, "charSpans": to_spans(marked_c)},
        "incorrect": {"lineMask": mask_a, "charSpans": to_spans(marked_a)},
    }


def rate(pairs, seconds):
    for p in pairs:
        reference_masks(p["correct"], p["incorrect"])
    done = 0
    t0 = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for p in pairs:
            reference_masks(p["correct"], p["incorrect"])
        done += len(pairs)
        elapsed = time.perf_counter() - t0
    return done / elapsed


def main():
    pairs_file, out_file, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(pairs_file, encoding="utf-8") as f:
        pairs = [json.loads(line) for line in f if line.strip()]
    rates = {kind: rate([p for p in pairs if p["kind"] == kind], seconds) for kind in ("a", "b")}
    outputs = [reference_masks(p["correct"], p["incorrect"]) for p in pairs]
    with open(out_file, "w", encoding="utf-8") as f:
        json.dump({"rates": rates, "outputs": outputs}, f)


if __name__ == "__main__":
    main()
