"""Seeds for the chat fuzz tests, from the committed chat fixtures (data/src/test/resources/chat/).

ChatTemplateFuzzTest: "<template>\\0<messages JSON>" for each fixture model's template and a few of the golden
conversations (multi-turn, system, tool calls, tricky content), plus a sample of the Jinja snippets alone.
TokenizerConfigFuzzTest: the fixture tokenizer_config.json files as they are.
Run from the repository root:  /work/venv/bin/python tools/fuzz/make_chat_seeds.py
"""
import json
import pathlib

CHAT = pathlib.Path("data/src/test/resources/chat")
INPUTS = pathlib.Path("data/src/test/resources/cortado/data/chat")
CONVERSATIONS = ["system_multi_turn", "tool_call", "tricky_content", "bad_alternation"]
SNIPPETS = 24


def template_of(model_dir):
    jinja = model_dir / "chat_template.jinja"
    if jinja.exists():
        return jinja.read_text(encoding="utf-8")
    t = json.loads((model_dir / "tokenizer_config.json").read_text(encoding="utf-8"))["chat_template"]
    return t if isinstance(t, str) else next(e["template"] for e in t if e["name"] == "default")


def main():
    goldens = json.loads((CHAT / "goldens.json").read_text(encoding="utf-8"))["cases"]
    conversations = {}
    for case in goldens:
        conversations.setdefault(case["conversation"], case["messages"])
    out = INPUTS / "ChatTemplateFuzzTestInputs" / "compilesAndRendersOrRefusesCleanly"
    out.mkdir(parents=True, exist_ok=True)
    models = sorted(p for p in (CHAT / "models").iterdir() if p.is_dir())
    for i, model in enumerate(models):
        conv = CONVERSATIONS[i % len(CONVERSATIONS)]
        messages = json.dumps(conversations[conv], ensure_ascii=False, separators=(",", ":"))
        (out / f"seed-{model.name}-{conv}").write_text(template_of(model) + "\0" + messages, encoding="utf-8")
    snippets = json.loads((CHAT / "snippets.json").read_text(encoding="utf-8"))["cases"]
    step = max(1, len(snippets) // SNIPPETS)
    for j, case in enumerate(snippets[::step][:SNIPPETS]):
        (out / f"seed-snippet-{j:02d}").write_text(case["template"], encoding="utf-8")

    out = INPUTS / "TokenizerConfigFuzzTestInputs" / "loadsOrRefusesCleanly"
    out.mkdir(parents=True, exist_ok=True)
    for model in models:
        (out / f"seed-{model.name}").write_bytes((model / "tokenizer_config.json").read_bytes())


if __name__ == "__main__":
    main()
