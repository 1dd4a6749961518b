#!/usr/bin/env python3
"""Runs llama.cpp's convert_hf_to_gguf.py on a Hugging Face directory, with one change: the tiny test tokenizers are
unknown to its table of pre-tokenizer hashes (get_vocab_base_pre raises for them), and their pre-tokenizer is GPT-2's
ByteLevel regex, so the name it picks for GPT-2 ("gpt-2") is returned. Everything else is the script as is.

    /work/venv/bin/python tools/gguf/convert_hf.py --llama-cpp /work/llama.cpp DIR --outtype f16 --outfile F.gguf
"""
import sys

args = sys.argv[1:]
i = args.index("--llama-cpp")
llama_cpp = args[i + 1]
del args[i:i + 2]
sys.path.insert(0, llama_cpp)
sys.path.insert(0, llama_cpp + "/gguf-py")
import convert_hf_to_gguf as c  # noqa: E402

c.Model.get_vocab_base_pre = lambda self, tokenizer: "gpt-2"
sys.argv = ["convert_hf_to_gguf.py"] + args
c.main()
