#!/usr/bin/env python3
"""The official openai Python client against a running Cortado server: lists models, completes, chats and streams
(completions and chat, with stream_options.include_usage), and checks that the client raises its typed errors for an
unknown model (NotFoundError) and a wrong key (AuthenticationError). Prints one JSON object with what it got, which
OpenAiClientInteropTest compares with transformers' greedy goldens.

    check_openai_client.py BASE_URL API_KEY MODEL PROMPT MAX_TOKENS MESSAGES_JSON MAX_CHAT_TOKENS
"""
import json
import sys

import openai


def main():
    base_url, key, model, prompt, max_tokens, messages, max_chat = sys.argv[1:8]
    max_tokens, max_chat, messages = int(max_tokens), int(max_chat), json.loads(messages)
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=60)
    out = {"models": [m.id for m in client.models.list().data]}

    c = client.completions.create(model=model, prompt=prompt, max_tokens=max_tokens, temperature=0)
    out["completion"] = {"text": c.choices[0].text, "finish_reason": c.choices[0].finish_reason,
                         "usage": c.usage.model_dump()}

    r = client.chat.completions.create(model=model, messages=messages, max_completion_tokens=max_chat, temperature=0)
    out["chat"] = {"content": r.choices[0].message.content, "role": r.choices[0].message.role,
                   "finish_reason": r.choices[0].finish_reason, "usage": r.usage.model_dump()}

    text, finish, usage, ids = [], None, None, set()
    for chunk in client.chat.completions.create(model=model, messages=messages, max_completion_tokens=max_chat,
                                                temperature=0, stream=True, stream_options={"include_usage": True}):
        ids.add(chunk.id)
        if chunk.usage is not None:
            usage = chunk.usage.model_dump()
        for choice in chunk.choices:
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason:
                finish = choice.finish_reason
    out["chat_stream"] = {"content": "".join(text), "finish_reason": finish, "usage": usage, "ids": len(ids)}

    text, finish, usage = [], None, None
    for chunk in client.completions.create(model=model, prompt=prompt, max_tokens=max_tokens, temperature=0,
                                           stream=True, stream_options={"include_usage": True}):
        if chunk.usage is not None:
            usage = chunk.usage.model_dump()
        for choice in chunk.choices:
            text.append(choice.text)
            if choice.finish_reason:
                finish = choice.finish_reason
    out["completion_stream"] = {"text": "".join(text), "finish_reason": finish, "usage": usage}

    try:
        client.completions.create(model="no-such-model", prompt=prompt, max_tokens=2)
        out["unknown_model"] = "no error"
    except openai.NotFoundError as e:
        out["unknown_model"] = type(e).__name__
    try:
        openai.OpenAI(base_url=base_url, api_key="wrong", max_retries=0).models.list()
        out["bad_key"] = "no error"
    except openai.AuthenticationError as e:
        out["bad_key"] = type(e).__name__
    print(json.dumps(out))


if __name__ == "__main__":
    main()
