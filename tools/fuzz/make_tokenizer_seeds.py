"""Seeds for TokenizerJsonFuzzTest: the committed HF tokenizer.json goldens, trimmed to a small vocabulary.

Each seed keeps its file's real shape (added tokens, normalizer, pre-tokenizer, post-processor, decoder, model type
and options) but only the first KEEP vocabulary entries and the merges among them, so that a fuzzer mutates the
structure rather than spending its time inside a 20 KB vocabulary. Run from the repository root:
    /work/venv/bin/python tools/fuzz/make_tokenizer_seeds.py
"""
import gzip
import json
import pathlib

KEEP = 80
SRC = pathlib.Path("data/src/test/resources/tokenizer/hf")
OUT = pathlib.Path("data/src/test/resources/cortado/data/tokenizer/TokenizerJsonFuzzTestInputs/loadsOrRefusesCleanly")


def merge_parts(m):
    return m.split(" ", 1) if isinstance(m, str) else m


def trim(doc):
    model = doc["model"]
    if model["type"] == "Unigram":
        model["vocab"] = model["vocab"][:KEEP]
        if model.get("unk_id") is not None and model["unk_id"] >= KEEP:
            model["unk_id"] = 0
    else:
        items = sorted(model["vocab"].items(), key=lambda kv: kv[1])[:KEEP]
        model["vocab"] = dict(items)
        if "merges" in model:
            kept = []
            for m in model["merges"]:
                a, b = merge_parts(m)
                if a in model["vocab"] and b in model["vocab"] and a + b in model["vocab"]:
                    kept.append(m)
            model["merges"] = kept
    return doc


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for f in sorted(SRC.glob("*.json.gz")):
        doc = trim(json.loads(gzip.decompress(f.read_bytes())))
        text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        name = f.name.removesuffix(".json.gz")
        (OUT / f"seed-{name}").write_text(text, encoding="utf-8")
        # the same file with a text to encode in front (the fuzz test splits at the first NUL)
        (OUT / f"seed-{name}-text").write_text("Hello <s> wörld 12 🙂\0" + text, encoding="utf-8")
    skeleton = SRC / "gpt2_t5.skeleton.json"
    (OUT / "seed-gpt2_t5-skeleton").write_bytes(skeleton.read_bytes())


if __name__ == "__main__":
    main()
