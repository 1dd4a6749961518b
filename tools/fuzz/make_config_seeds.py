"""Seeds for ConfigJsonFuzzTest: the committed golden config.json files of every family and rope_scaling type.
Run from the repository root:  /work/venv/bin/python tools/fuzz/make_config_seeds.py
"""
import pathlib

OUT = pathlib.Path("nn/src/test/resources/cortado/nn/models/ConfigJsonFuzzTestInputs/parsesOrRefusesCleanly")
GOLDEN = pathlib.Path("tests/src/test/resources/golden")


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    sources = [GOLDEN / d / "config.json" for d in ("gpt2", "llama", "bert", "bert_mlm", "bert_cls")]
    sources += sorted((GOLDEN / "families").glob("*/config.json"))
    sources += sorted(pathlib.Path("quant/src/test/resources/quant").glob("*/config.json"))[:1]
    for src in sources:
        (OUT / f"seed-{src.parent.name}").write_bytes(src.read_bytes())


if __name__ == "__main__":
    main()
