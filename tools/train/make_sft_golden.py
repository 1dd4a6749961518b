#!/usr/bin/env python3
"""SFT data goldens from TRL's own SFTTrainer (trl 1.13): label masks and packed position ids.

For two tokenizers, each a tiny byte-level BPE trained here with `tokenizers` (vocab 400) and saved with
transformers' save_pretrained (tokenizer.json, tokenizer_config.json, chat_template.jinja):

  chatml  Qwen2.5-style: <|im_start|>/<|im_end|>/<|endoftext|>, eos <|im_end|>, pad <|endoftext|>, no BOS; the chat
          template is TRL's qwen2_5_training.jinja (Qwen2.5's template with {% generation %} markers);
  llama3  Llama 3-style: <|begin_of_text|> added by a TemplateProcessing post-processor (so plain-text prompts get a
          BOS from the tokenizer, chats from the template), eos <|eot_id|>, no pad (TRL then pads with eos); the
          chat template is TRL's llama3_training.jinja.

every data layout below is written as JSONL rows, then handed to trl.SFTTrainer (a 1-layer random Llama whose weights
do not matter: only the data pipeline is recorded) and the prepared dataset is read back:

  prompt_completion  {"prompt": str, "completion": str}: completion_only_loss (TRL's default for this layout), EOS
                     appended to the completion text
  conversational_pc  {"prompt": [messages], "completion": [messages]}
  messages           {"messages": [...]} with assistant_only_loss=True ({% generation %} masks) and, as
                     messages_all, with TRL's default assistant_only_loss=False (every token scored)
  alpaca             {"instruction", "input", "output"}: TRL has no Alpaca reader, so the rows are turned into
                     prompt/completion strings with Stanford Alpaca's PROMPT_DICT (prompt_input / prompt_no_input,
                     the text Cortado's SftData uses) before TRL sees them
  sharegpt           {"conversations": [{"from", "value"}]}: TRL's maybe_convert_to_chatml renames from/value to
                     role/content but keeps the role names, so human/gpt/system are mapped to user/assistant/system
                     first (as Cortado does); TRL's from/value path does the rest. TRL refuses assistant_only_loss
                     on this layout (its is_conversational check looks for "messages" before the conversion), so
                     "sharegpt" is recorded with every token scored, and "sharegpt_assistant" with the rows passed
                     through trl.maybe_convert_to_chatml first and then assistant_only_loss=True

For each: "rows" (the JSONL lines) and TRL's "input_ids" and "labels" (-100 where not scored) per example, with
max_length 1024 (nothing truncated). For prompt_completion and messages also packing=True with max_length 48 and 80 (some
examples longer, so bfd truncates them):
"bfd" (the default strategy; TRL turns padding_free on) recording the packed rows (input_ids, labels, seq_lengths)
and the collator's output for the whole packed dataset as one batch (padding-free: one flattened row with
position_ids restarting at 0 and labels -100 at each restart), and "wrapped" (rows cut every max_length tokens across
examples; padding_free stays off, so the collator gives an attention mask and no position ids).
shuffle_dataset is False (TRL's default), so packing sees the examples in file order.

Output: tests/src/test/resources/golden/sft/{chatml,llama3}/ (the tokenizer directories) and sft/sft_golden.json
(about 60 KB).

    /work/venv/bin/python tools/train/make_sft_golden.py --out tests/src/test/resources/golden/sft
"""
import argparse
import json
import os
import shutil
import tempfile
import warnings

import datasets
import torch
import trl
from tokenizers import Tokenizer, models, pre_tokenizers, decoders, processors, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
from trl import SFTConfig, SFTTrainer

TRL_TEMPLATES = os.path.join(os.path.dirname(trl.__file__), "chat_templates")

# Stanford Alpaca's PROMPT_DICT (tatsu-lab/stanford_alpaca, train.py), the standard Alpaca prompt text.
ALPACA_INPUT = ("Below is an instruction that describes a task, paired with an input that provides further context. "
                "Write a response that appropriately completes the request.\n\n"
                "### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n")
ALPACA_NO_INPUT = ("Below is an instruction that describes a task. "
                   "Write a response that appropriately completes the request.\n\n"
                   "### Instruction:\n{instruction}\n\n### Response:\n")

U = lambda c: {"role": "user", "content": c}
A = lambda c: {"role": "assistant", "content": c}
S = lambda c: {"role": "system", "content": c}

LAYOUTS = {
    "prompt_completion": [
        {"prompt": "The sky is", "completion": " blue."},
        {"prompt": "Two plus two is", "completion": " four, as everyone knows."},
        {"prompt": "Name a fruit:", "completion": " an apple"},
        {"prompt": "Translate 'chat' to English:", "completion": " cat"},
        {"prompt": "Q: What do bees make?\nA:", "completion": " Honey, from nectar."},
        {"prompt": "Describe the weather in the mountains on a cold and windy winter morning:",
         "completion": " Freezing, grey and windy, with snow falling all day long over the quiet valley."},
        {"prompt": "Name a fruit:", "completion": " a pear"},
    ],
    "conversational_pc": [
        {"prompt": [U("What color is the sky?")], "completion": [A("It is blue.")]},
        {"prompt": [S("Be brief."), U("Say hi")], "completion": [A("Hi!")]},
        {"prompt": [U("Count to three"), A("1, 2, 3"), U("And back?")], "completion": [A("3, 2, 1")]},
    ],
    "messages": [
        {"messages": [U("Hello there"), A("Hi! How can I help?")]},
        {"messages": [S("You answer in one word."), U("Capital of France?"), A("Paris")]},
        {"messages": [U("What is 2+2?"), A("4"), U("And 3+3?"), A("6, of course.")]},
        {"messages": [U("Name a color"), A("  green  ")]},
        {"messages": [U("Tell me a fact about cats"), A("Cats sleep a lot.")]},
    ],
    "alpaca": [
        {"instruction": "Give a synonym of happy.", "input": "", "output": "Joyful."},
        {"instruction": "Sum the numbers.", "input": "3 and 4", "output": "7"},
        {"instruction": "Classify the sentiment.", "input": "I love this film!", "output": "positive"},
    ],
    "sharegpt": [
        {"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello! What can I do?"}]},
        {"conversations": [{"from": "system", "value": "Be kind."}, {"from": "human", "value": "Am I late?"},
                           {"from": "gpt", "value": "Not at all."}]},
    ],
}
SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


def alpaca_to_pc(row):
    prompt = (ALPACA_INPUT if row["input"] else ALPACA_NO_INPUT).format(**row)
    return {"prompt": prompt, "completion": row["output"]}


def sharegpt_to_mapped(row):
    return {"conversations": [{"from": SHAREGPT_ROLES[m["from"]], "value": m["value"]} for m in row["conversations"]]}


SPECIALS = {
    "chatml": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
    "llama3": ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
}


def corpus():
    lines = []
    for rows in LAYOUTS.values():
        lines.append(json.dumps(rows))
    lines += [ALPACA_INPUT, ALPACA_NO_INPUT, "system user assistant You are Qwen, created by Alibaba Cloud. "
              "You are a helpful assistant."] * 3
    return lines


def build_tokenizer(kind, out_dir):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=SPECIALS[kind],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(corpus(), trainer)
    if kind == "chatml":  # Qwen2's post-processor: byte-level offsets, no special tokens added
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        template = open(os.path.join(TRL_TEMPLATES, "qwen2_5_training.jinja")).read()
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>")
    else:  # Llama 3's: byte-level offsets, then <|begin_of_text|> before every sequence
        bos = tok.token_to_id("<|begin_of_text|>")
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                          special_tokens=[("<|begin_of_text|>", bos)])])
        template = open(os.path.join(TRL_TEMPLATES, "llama3_training.jinja")).read()
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>")
    fast.chat_template = template
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    fast.save_pretrained(out_dir)
    return PreTrainedTokenizerFast.from_pretrained(out_dir)


def tiny_model(vocab):
    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(vocab_size=vocab, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048))


def prepare(tokenizer, rows, **config):
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        args = SFTConfig(output_dir=tmp, report_to="none", use_cpu=True, bf16=False, **config)
        trainer = SFTTrainer(model=tiny_model(len(tokenizer)), args=args, processing_class=tokenizer,
                             train_dataset=datasets.Dataset.from_list(rows))
        ds = trainer.train_dataset
        examples = [ds[i] for i in range(len(ds))]
        return examples, trainer.data_collator


def unpacked(tokenizer, rows, **config):
    examples, _ = prepare(tokenizer, rows, **config)
    return {"input_ids": [e["input_ids"] for e in examples], "labels": [e["labels"] for e in examples]}


def packed(tokenizer, rows, strategy, max_length, **config):
    examples, collator = prepare(tokenizer, rows, packing=True, packing_strategy=strategy, max_length=max_length, **config)
    out = {"max_length": max_length, "strategy": strategy,
           "rows": [{k: e[k] for k in ("input_ids", "labels", "seq_lengths") if k in e} for e in examples]}
    batch = collator(examples)
    out["collated"] = {k: v.tolist() for k, v in batch.items()}
    return out


def main():
    datasets.disable_progress_bars()
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    golden = {"trl_version": trl.__version__, "alpaca_prompt_input": ALPACA_INPUT,
              "alpaca_prompt_no_input": ALPACA_NO_INPUT, "templates": {}}
    for kind in ("chatml", "llama3"):
        tokenizer = build_tokenizer(kind, os.path.join(a.out, kind))
        cases = {}
        for layout, rows in LAYOUTS.items():
            trl_rows = rows
            if layout == "alpaca":
                trl_rows = [alpaca_to_pc(r) for r in rows]
            if layout == "sharegpt":
                trl_rows = [sharegpt_to_mapped(r) for r in rows]
            assistant_only = layout == "messages"
            case = {"rows": [json.dumps(r, ensure_ascii=False) for r in rows], "assistant_only_loss": assistant_only}
            case.update(unpacked(tokenizer, trl_rows, assistant_only_loss=assistant_only))
            cases[layout] = case
            if layout == "messages":
                all_case = {"rows": case["rows"], "assistant_only_loss": False}
                all_case.update(unpacked(tokenizer, trl_rows, assistant_only_loss=False))
                cases["messages_all"] = all_case
            if layout == "sharegpt":
                chatml_rows = [trl.maybe_convert_to_chatml(json.loads(json.dumps(r))) for r in trl_rows]
                sa_case = {"rows": case["rows"], "assistant_only_loss": True}
                sa_case.update(unpacked(tokenizer, chatml_rows, assistant_only_loss=True))
                cases["sharegpt_assistant"] = sa_case
            if layout in ("prompt_completion", "messages"):
                length = 48 if layout == "prompt_completion" else 80
                case["packed"] = [packed(tokenizer, trl_rows, s, length, assistant_only_loss=assistant_only)
                                  for s in ("bfd", "wrapped")]
        golden["templates"][kind] = cases
    with open(os.path.join(a.out, "sft_golden.json"), "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", a.out)


if __name__ == "__main__":
    main()
