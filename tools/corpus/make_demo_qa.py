"""Writes the demo's instruction set, embedded in cortado.jar beside the pretraining corpus: question/answer pairs
about short stories, for the QLoRA stage of `cortado demo` and cortado.bench.QloraQualityMain.

Each block is the opening of a new story from the corpus's own generator (make_demo_corpus.draw_story and opening:
the same templates and words, drawn with another seed), then seven questions about it, each answered by words the
opening contains:

    Once upon a time, there was a little fox named Rosa. Rosa lived in ... One warm morning, Rosa found a yellow box.
    Q: What did Rosa find?
    A: a yellow box
    ...

Why the story is in the prompt rather than only in the pretraining corpus: the corpus has a dozen names over about
700 stories, so "What did Rosa find?" alone has dozens of true answers. With the opening given, every pair has one
answer, the small model learns a reading skill (find the sentence, copy its words) that the pretraining already
half has (it copies names and things within a story), and the held-out blocks test that skill on stories it has never
seen rather than memory. The opening (four sentences) keeps story, question and answer within the demo model's
256-byte context. The last 10% of the blocks are the held-out set (cortado.cli.DemoQa splits them off).

Deterministic (fixed seed, Python's stdlib only). Run from the repository root:
    python3 tools/corpus/make_demo_qa.py
which rewrites cli/src/main/resources/cortado/demo/qa.txt (committed).
"""
import pathlib
import random
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_demo_corpus import a_an, draw_story, opening  # noqa: E402  (the corpus's own story)

STORIES = 300     # 7 questions each: 2,100 pairs, the last 30 stories (210 pairs) held out
CONTEXT = 256     # the demo preset's positions: story + question + answer + newline must fit


def questions(s):
    name, thing = s["name"], s["thing"]
    return [(f"What kind of animal is {name}?", a_an(s["animal"])),
            (f"Where did {name} live?", s["place"]),
            (f"What was near {name}'s home?", s["near"]),
            (f"What did {name} like to do?", s["like"]),
            (f"What did {name} find?", f"{a_an(s['color'])} {thing}"),
            (f"What color was the {thing}?", s["color"]),
            ("What was the weather that morning?", s["weather"])]


def main():
    rng = random.Random(20250921)
    blocks = []
    for _ in range(STORIES):
        s = draw_story(rng)
        story = " ".join(opening(s))
        lines = [story]
        for q, a in questions(s):
            example = f"{story}\nQ: {q}\nA: {a}\n"
            assert len(example.encode("utf-8")) <= CONTEXT, example
            lines += [f"Q: {q}", f"A: {a}"]
        blocks.append("\n".join(lines))
    text = "\n\n".join(blocks) + "\n"
    out = pathlib.Path(__file__).resolve().parents[2] / "cli/src/main/resources/cortado/demo/qa.txt"
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text.encode('utf-8'))} bytes, {len(blocks)} stories, {7 * len(blocks)} pairs)")


if __name__ == "__main__":
    main()
