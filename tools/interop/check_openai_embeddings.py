#!/usr/bin/env python3
"""The official openai Python client's embeddings.create against a running Cortado server started with an embedding
model: one string (the client's default encoding_format, base64, which it decodes), a list of strings as floats, and
the typed error for an unknown model. Prints one JSON object, which OpenAiEmbeddingsInteropTest compares with
Cortado's own SentenceTransformer.encode.

    check_openai_embeddings.py BASE_URL MODEL TEXT_JSON_LIST
"""
import json
import sys

import openai


def main():
    base_url, model, texts = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    client = openai.OpenAI(base_url=base_url, api_key="none", max_retries=0, timeout=60)
    one = client.embeddings.create(model=model, input=texts[0])
    many = client.embeddings.create(model=model, input=texts, encoding_format="float")
    out = {"one": [float(x) for x in one.data[0].embedding], "one_usage": one.usage.model_dump(),
           "many": [[float(x) for x in d.embedding] for d in many.data], "indexes": [d.index for d in many.data],
           "many_usage": many.usage.model_dump(), "model": many.model, "object": many.object}
    try:
        client.embeddings.create(model="no-such-model", input="x")
        out["unknown_model"] = None
    except openai.NotFoundError:
        out["unknown_model"] = "NotFoundError"
    print(json.dumps(out))


if __name__ == "__main__":
    main()
