#!/usr/bin/env python3
"""The official openai Python client reading Cortado's structured outputs and tool calls: chat.completions.parse with
a Pydantic model as response_format (the client sends its strict json_schema and parses the reply into the model),
json_object mode, a named tool_choice on a pydantic_function_tool (the client parses the call's arguments), and
tool_choice "required" streamed through the client's chat.completions.stream helper (which assembles the tool-call
deltas). The model is random, sampled at temperature 1: only the constraint makes these replies valid. Prints one
JSON object that OpenAiClientInteropTest checks.

    check_openai_structured.py BASE_URL API_KEY MODEL
"""
import json
import sys
from typing import Literal, Optional

import openai
from pydantic import BaseModel


class Place(BaseModel):
    city: str
    kind: Literal["flat", "house"]


class Person(BaseModel):
    name: str
    age: int
    member: bool
    tags: list[Literal["red", "green", "blue"]]
    score: Optional[float]
    home: Place


class GetWeather(BaseModel):
    city: str
    unit: Literal["celsius", "fahrenheit"]


class Convert(BaseModel):
    amount: float
    to: str


def main():
    base_url, key, model = sys.argv[1:4]
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=120)
    messages = [{"role": "user", "content": "Describe a person."}]
    out = {"parsed": [], "json_object": [], "named": [], "required_stream": []}

    for seed in range(3):
        r = client.chat.completions.parse(model=model, messages=messages, response_format=Person, temperature=1.0,
                                          seed=seed, max_tokens=900)
        choice = r.choices[0]
        assert isinstance(choice.message.parsed, Person), choice.message
        out["parsed"].append({"finish_reason": choice.finish_reason, "person": choice.message.parsed.model_dump(),
                              "content": choice.message.content})

    for seed in range(3):
        r = client.chat.completions.create(model=model, messages=messages, response_format={"type": "json_object"},
                                           temperature=1.0, seed=seed, max_tokens=900)
        out["json_object"].append({"finish_reason": r.choices[0].finish_reason,
                                   "value": json.loads(r.choices[0].message.content)})

    tools = [openai.pydantic_function_tool(GetWeather), openai.pydantic_function_tool(Convert)]
    for seed in range(2):
        r = client.chat.completions.parse(model=model, messages=messages, tools=tools, temperature=1.0, seed=seed,
                                          max_tokens=900, tool_choice={"type": "function", "function": {"name": "GetWeather"}})
        call = r.choices[0].message.tool_calls[0]
        assert isinstance(call.function.parsed_arguments, GetWeather), call
        out["named"].append({"finish_reason": r.choices[0].finish_reason, "name": call.function.name,
                             "arguments": call.function.parsed_arguments.model_dump(), "id": call.id})

    # A forced array of calls may go on until max_tokens (a random model rarely picks "]"): the client then raises
    # LengthFinishReasonError. Seeds are tried until two streams end by themselves; the cut ones are counted.
    out["required_cut"] = 0
    for seed in range(30, 40):
        if len(out["required_stream"]) == 2:
            break
        events = set()
        try:
            with client.chat.completions.stream(model=model, messages=messages, tools=tools, tool_choice="required",
                                                temperature=1.0, seed=seed, max_tokens=900) as stream:
                for event in stream:
                    events.add(event.type)
                final = stream.get_final_completion()
        except openai.LengthFinishReasonError:
            out["required_cut"] += 1
            continue
        calls = [{"name": c.function.name, "arguments": json.loads(c.function.arguments),
                  "parsed": c.function.parsed_arguments is not None} for c in final.choices[0].message.tool_calls or []]
        out["required_stream"].append({"finish_reason": final.choices[0].finish_reason, "calls": calls,
                                       "events": sorted(events)})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
