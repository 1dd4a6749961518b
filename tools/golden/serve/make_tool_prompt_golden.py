"""Golden prompts for chat requests with tools: what the server's chat endpoint must render.

For the Llama 3.1 and Qwen2.5 chat templates (data/src/test/resources/chat/models/{llama3,qwen2.5}), an OpenAI-style
chat request (tools, an assistant turn with tool_calls whose arguments are JSON text, the tool's answer) and the
text transformers' apply_chat_template(messages, tools=tools, add_generation_prompt=True) renders for it, with the
arguments parsed into objects first as vLLM does (the templates write them with tojson). strftime_now is pinned to
2026-03-05 10:20:30 as in tools/chat/make_chat_goldens.py.
Writes serve/src/test/resources/serve/tool_prompts.json.
Run: /work/venv/bin/python tools/golden/serve/make_tool_prompt_golden.py"""
import copy
import json
import os
import sys
import tempfile

import transformers

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "chat"))
from make_chat_goldens import load, strftime_now  # noqa: E402  (the fixture tokenizer and pinned clock)

MODELS = os.path.join(ROOT, "data", "src", "test", "resources", "chat", "models")
OUT = os.path.join(ROOT, "serve", "src", "test", "resources", "serve", "tool_prompts.json")

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
        "required": ["city", "unit"], "additionalProperties": False}}}
CONVERT = {"type": "function", "function": {
    "name": "convert", "description": "Convert an amount between currencies.",
    "parameters": {"type": "object", "properties": {"amount": {"type": "number"}, "to": {"type": "string"}},
                   "required": ["amount", "to"]}}}

FIRST_TURN = [{"role": "system", "content": "You can call functions."},
              {"role": "user", "content": "What's the weather in Paris?"}]
WITH_RESULT = FIRST_TURN + [
    {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
        "name": "get_weather", "arguments": "{\"city\": \"Paris\", \"unit\": \"celsius\"}"}}]},
    {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 21.5}"},
    {"role": "user", "content": "And in euros, 20 dollars?"}]


def for_template(messages):
    """The messages as the server hands them to the template: tool-call arguments parsed (vLLM's conversion)."""
    out = copy.deepcopy(messages)
    for m in out:
        for c in m.get("tool_calls") or []:
            c["function"]["arguments"] = json.loads(c["function"]["arguments"])
    return out


def main():
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in ["llama3", "qwen2.5"]:
            tok = load(os.path.join(MODELS, model), tmp)
            for label, messages in [("first_turn", FIRST_TURN), ("with_result", WITH_RESULT)]:
                tools = [WEATHER, CONVERT]
                text = tok.apply_chat_template(for_template(messages), tools=tools, add_generation_prompt=True,
                                               tokenize=False, strftime_now=strftime_now)
                cases.append({"model": model, "case": label, "request": {"messages": messages, "tools": tools},
                              "text": text})
    meta = {"generator": "tools/golden/serve/make_tool_prompt_golden.py", "transformers": transformers.__version__}
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
