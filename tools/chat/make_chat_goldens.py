#!/usr/bin/env python3
"""Golden renderings for the chat-template parity tests, from transformers itself.

  data/src/test/resources/chat/goldens.json   for every fixture model directory (tools/chat/write_fixtures.py) and
      every conversation below, with add_generation_prompt off and on: the text of
      tokenizer.apply_chat_template(messages, tokenize=False, ...) or, when the template refuses the conversation,
      the exception's type and message; for templates with {% generation %} blocks also the character spans
      transformers' render_jinja_template(return_assistant_tokens_mask=True) reports (the spans it turns into
      the assistant token mask).
  data/src/test/resources/chat/whitespace.json  400 seeded random templates of text (spaces, tabs, newlines) and
      nested if/for/set/print/comment/raw tags with random whitespace-control signs (-, +, none), same format as
      snippets.json: where trim_blocks, lstrip_blocks and the signs interact, the text must match Jinja's exactly.
  data/src/test/resources/chat/expressions.json  600 seeded random expressions ({{ expr }}) over numbers, strings,
      lists, dicts, none and undefined with Jinja's operators, filters, tests, methods, slices and conditionals:
      Python's value semantics (printing, ==, ordering, arithmetic, truth, errors) must come out the same.
  data/src/test/resources/chat/floats.json  Python's repr() of 1000 doubles (little-endian bits in hex), which is how
      {{ x }} prints a float.
  data/src/test/resources/chat/snippets.json  small templates, one Jinja feature each, rendered by the very
      environment apply_chat_template uses (transformers' _compile_jinja_template: sandboxed, trim_blocks,
      lstrip_blocks, its tojson/raise_exception/strftime_now), with text or error type and message.

Each model directory is loaded with AutoTokenizer.from_pretrained from a temporary copy that adds a tiny
WordLevel tokenizer.json (the text rendering does not depend on the vocabulary), so transformers reads
tokenizer_config.json / chat_template.jinja and its AddedToken dicts exactly as for a hub model.
strftime_now is pinned to 2026-03-05 10:20:30 so Llama 3's "Today Date" is reproducible (the Java side sets the
same clock).
Run: /work/venv/bin/python tools/chat/make_chat_goldens.py"""
import datetime
import json
import os
import re
import shutil
import tempfile

import transformers
from jinja2 import nodes
from jinja2.optimizer import optimize
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import AutoTokenizer
from transformers.utils.chat_template_utils import _compile_jinja_template, render_jinja_template

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RES = os.path.join(ROOT, "data/src/test/resources/chat")
CLOCK = datetime.datetime(2026, 3, 5, 10, 20, 30)


def strftime_now(fmt):
    return CLOCK.strftime(fmt)


WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city, e.g. \"Paris\".",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "The city"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        "days": {"type": "integer", "minimum": 1, "maximum": 7.5}},
        "required": ["city"]}}}

U = lambda c: {"role": "user", "content": c}
A = lambda c: {"role": "assistant", "content": c}
S = lambda c: {"role": "system", "content": c}

CONVERSATIONS = {
    "single_user": [U("Hello!")],
    "system_user": [S("You are a terse assistant."), U("What is 2+2?")],
    "multi_turn": [U("Hi there"), A("Hello! How can I help?"), U("Tell me a joke."), A("Why did the chicken cross the road?"),
                   U("Why?")],
    "system_multi_turn": [S("  Answer in French.  \n"), U("Good morning"), A("Bonjour !"), U("How are you?")],
    "ends_with_assistant": [U("Name a color."), A("Blue.")],
    "tricky_content": [S("Quotes: \"double\" and 'single'; braces {{ not a tag }} {% neither %}"),
                       U("  Line one\nLine two\n\ttabbed\n  "),
                       A("Unicode: héllo wörld, 日本語, emoji 🎉🤖, RTL שלום, \\backslash\\ and </s> text"),
                       U("Trailing spaces   \n\n")],
    "bad_alternation": [U("one"), U("two")],
    "system_only_then_assistant": [S("sys"), A("I speak first"), U("then you")],
    "empty_content": [U(""), A(""), U("x")],
}

TOOL_CONVERSATIONS = {
    "tool_call": [S("You can check the weather."), U("What's the weather in Paris?"),
                  {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
                      "name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
                  {"role": "tool", "name": "get_weather", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"},
                  A("It is 21.5 °C and clear in Paris.")],
    "tool_no_system": [U("Weather in Oslo and Rome?"),
                       {"role": "assistant", "content": None, "tool_calls": [
                           {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}},
                           {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Rome"}}}]},
                       {"role": "tool", "content": "cold"}, {"role": "tool", "content": "warm"}],
}

# Which conversations with tools each model gets (the others ignore tools or have no tool branch).
TOOL_MODELS = {"llama3": ["tool_call"], "qwen2.5": ["tool_call", "tool_no_system"]}

# Template variables beyond the defaults, as a caller passes them to apply_chat_template(**kwargs):
# (model, name, conversation, tools, kwargs).
EXTRA = [
    ("llama3", "date_string_given", "system_user", None, {"date_string": "01 Jan 2025"}),
    ("llama3", "tools_in_system", "tool_call", [WEATHER_TOOL], {"tools_in_user_message": False}),
    ("llama3", "custom_tools", "multi_turn", None, {"custom_tools": [WEATHER_TOOL]}),
    ("llama3", "two_tool_calls", "tool_no_system", [WEATHER_TOOL], {}),
]


def load(model_dir, tmp):
    """AutoTokenizer over a copy of model_dir plus a tiny WordLevel tokenizer.json holding its special tokens."""
    d = os.path.join(tmp, os.path.basename(model_dir))
    shutil.copytree(model_dir, d)
    with open(os.path.join(d, "tokenizer_config.json"), encoding="utf-8") as f:
        cfg = json.load(f)
    specials = []
    for k in ("bos_token", "eos_token", "unk_token", "pad_token"):
        v = cfg.get(k)
        if isinstance(v, dict):
            v = v["content"]
        if v and v not in specials:
            specials.append(v)
    vocab = {"[UNK]": 0}
    for s in specials + ["hello", "world"]:
        vocab.setdefault(s, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.add_special_tokens(specials)
    tok.save(os.path.join(d, "tokenizer.json"))
    return AutoTokenizer.from_pretrained(d)


def render(tok, messages, gen, tools, variables):
    kwargs = {"strftime_now": strftime_now, **variables}
    try:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen, tools=tools, **kwargs)
    except Exception as e:  # the template refused the conversation
        return {"error_type": type(e).__name__, "error": str(e)}
    out = {"text": text}
    template = tok.get_chat_template(None, tools)
    if re.search(r"\{%-?\s*generation\s*-?%\}", template):
        rendered, spans = render_jinja_template(conversations=[messages], tools=tools, chat_template=template,
                                                return_assistant_tokens_mask=True, add_generation_prompt=gen,
                                                **tok.special_tokens_map, **kwargs)
        assert rendered[0] == text
        out["generation_spans"] = [list(s) for s in spans[0]]
        # The token-level mask transformers builds from those spans, checked against the spans here so the
        # Java side can rely on spans alone.
        enc = tok.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True,
                                      add_generation_prompt=gen, **kwargs)
        out["assistant_tokens"] = int(sum(enc["assistant_masks"]))
    return out


def goldens():
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(os.path.join(RES, "models"))):
            tok = load(os.path.join(RES, "models", name), tmp)
            convs = [(c, m, None) for c, m in CONVERSATIONS.items()]
            convs += [(c, TOOL_CONVERSATIONS[c], [WEATHER_TOOL]) for c in TOOL_MODELS.get(name, [])]
            convs = [(c, m, t, {}) for c, m, t in convs]
            for model, label, conv, tools, kwargs in EXTRA:
                if model == name:
                    convs.append((label, {**CONVERSATIONS, **TOOL_CONVERSATIONS}[conv], tools, kwargs))
            for conv, messages, tools, kwargs in convs:
                for gen in (False, True):
                    case = {"model": name, "conversation": conv, "add_generation_prompt": gen, "messages": messages}
                    if tools is not None:
                        case["tools"] = tools
                    if kwargs:
                        case["variables"] = kwargs
                    case.update(render(tok, messages, gen, tools, kwargs))
                    cases.append(case)
            print(name, tok.special_tokens_map)
    return cases


SNIPPETS = [
    # whitespace control, trim_blocks, lstrip_blocks, comments, raw
    ("{% if true %}\nyes\n{% endif %}\nafter", {}),
    ("  {% if true %}\n  indented\n  {% endif %}\n", {}),
    ("a  {%- if true -%}  b  {%- endif -%}  c", {}),
    ("x {{- ' y ' -}} z\n{{ 'w' }}\nv", {}),
    ("{%+ if true %}kept{% endif +%}\nnext", {}),
    ("line\n  {# a comment #}\nafter {#- strip -#}   tail", {}),
    ("{% raw %}{{ not evaluated }} {% if %}{% endraw %}!", {}),
    ("trailing newline dropped\n", {}),
    ("crlf\r\nline\rold-mac\r\n", {}),
    # loops
    ("{% for x in items %}{{ loop.index0 }}/{{ loop.index }}/{{ loop.length }}/{{ loop.first }}/{{ loop.last }}/"
     "{{ loop.revindex }};{% endfor %}", {"items": ["a", "b", "c"]}),
    ("{% for x in items if x != 'b' %}{{ x }}{{ loop.length }}{% else %}none{% endfor %}", {"items": ["a", "b", "c"]}),
    ("{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", {}),
    ("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}{% for k in d %}{{ k }}{% endfor %}", {"d": {"b": 1, "a": 2}}),
    ("{% for x in range(10) %}{% if x is even %}{% continue %}{% endif %}{% if x > 6 %}{% break %}{% endif %}{{ x }}"
     "{% endfor %}", {}),
    ("{% for x in 'héllo' %}[{{ x }}]{% endfor %}", {}),
    ("{% for x in [1,2] %}{{ loop.previtem }}|{{ loop.nextitem }}|{{ loop.cycle('odd', 'even') }};{% endfor %}", {}),
    # scoping and namespace
    ("{% set x = 0 %}{% for i in [1, 2] %}{{ x }}{% set x = i %}{{ x }}{% endfor %}{{ x }}", {}),
    ("{% set ns = namespace(count=0, last=none) %}{% for i in [3, 4, 5] %}{% set ns.count = ns.count + i %}"
     "{% set ns.last = i %}{% endfor %}{{ ns.count }} {{ ns.last }}", {}),
    ("{% if true %}{% set y = 5 %}{% endif %}{{ y }}", {}),
    ("{% set a, b = [1, 2] %}{{ a }}{{ b }}{% set t = (1, 'x') %}{{ t }}{{ t[1] }}", {}),
    ("{% set block %}  inner {{ 1 + 1 }}  {% endset %}[{{ block }}]{% set b2 | trim | upper %} shout {% endset %}{{ b2 }}", {}),
    # macros
    ("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Ann') }} {{ greet('Bo', '?') }} "
     "{{ greet(name='Cy', punct='.') }} [{{ greet() }}]", {}),
    ("{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1) | int }}{% endif %}{% endmacro %}{{ fact(5) }}", {}),
    # printing Python values
    ("{{ none }}|{{ true }}|{{ 1.0 }}|{{ 2.5e-7 }}|{{ 1e16 }}|{{ 123456789.125 }}|{{ [1, 'a', none, true, 0.1] }}|"
     "{{ {'k': 'v', 'n': [1]} }}|{{ (1,) }}|{{ ('a', 2) }}|{{ \"it's\" }}|{{ ['it\\'s'] }}|{{ undefined_thing }}", {}),
    ("{{ 1234567890123456.0 }} {{ 12345678901234567.0 }} {{ 1e15 }} {{ 1e16 }} {{ 0.0001 }} {{ 0.00001 }} {{ -0.0 }} "
     "{{ 1.5e300 }} {{ 5e-324 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 2.0 ** 60 }} {{ -1.25e-10 }} {{ 100.0 }}", {}),
    ("{{ 2.5 is even }} {{ 1e-7 is odd }} {{ 1e-7 is even }} {{ 3.0 is odd }} {{ 4.0 is even }} {{ 0 % -2.5 }} "
     "{{ -7.5 % 2 }} {{ 7.5 % -2 }} {{ -0.0 % 5 }}", {}),
    ("{{ 10 / 4 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1 + 2.5 }} "
     "{{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1] + [2] }} {{ 3 - 5 }} {{ -(2) }} {{ 7.5 // 2 }} {{ true + 1 }}", {}),
    ("{{ 1 == 1.0 }} {{ 1 == true }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} "
     "{{ 'a' in 'cat' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 'z' not in 'cat' }} {{ none == none }}", {}),
    ("{{ 'x' ~ 1 ~ none ~ true ~ [1] }} {{ 'a' if false }}|{{ 'a' if 0 else 'b' }} {{ 0 or 'fallback' }} {{ 1 and 2 }} "
     "{{ not 0 }} {{ '' or none }}", {}),
    # attribute and item access
    ("{{ m.role }} {{ m['role'] }} {{ m.missing }}|{{ m['missing'] }}|{{ l[0] }} {{ l[-1] }} {{ l[5] }}|{{ l[1:] }} "
     "{{ l[:-1] }} {{ l[::-1] }} {{ l[::2] }} {{ 'hello'[1:3] }} {{ 'hello'[-1] }} {{ m.get('role') }} "
     "{{ m.get('nope', 'dflt') }} {{ m.get('nope') }} {{ l.0 }}", {"m": {"role": "user"}, "l": [1, 2, 3]}),
    ("{{ m.items() | list }} {{ m.keys() | list }} {{ m.values() | list }} {{ m | length }} {{ m | items | list }}",
     {"m": {"a": 1, "b": [2]}}),
    # string methods
    ("{{ '  pad  '.strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '  l'.lstrip() }}|{{ 'r  '.rstrip() }}|"
     "{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a-b-c'.rsplit('-', 1) }}|"
     "{{ 'Hello'.upper() }}|{{ 'Hello'.lower() }}|{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|"
     "{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'abc'.startswith('a') }}|{{ 'abc'.endswith(('x', 'c')) }}|"
     "{{ '{} and {name}'.format(1, name='two') }}|{{ '-'.join(['a', 'b']) }}|{{ 'banana'.count('a') }}|"
     "{{ 'banana'.find('n') }}|{{ 'l1\\nl2'.splitlines() }}|{{ '12'.isdigit() }}", {}),
    # filters
    ("{{ '  x  ' | trim }}|{{ 'abc' | upper }}|{{ 'ABC' | lower }}|{{ 'hello WORLD' | capitalize }}|"
     "{{ 'hello wORLD-x' | title }}|{{ [1, 2, 3] | length }}|{{ 'héllo' | length }}|{{ none | default('d') }}|"
     "{{ missing | default('d') }}|{{ '' | default('d', true) }}|{{ [1, 2] | join(', ') }}|{{ [1, 2] | first }}|"
     "{{ [1, 2] | last }}|{{ 'ab' | list }}|{{ 'x' | safe }}|{{ 12 | string }}|{{ '42' | int + 1 }}|{{ 'x' | int }}|"
     "{{ '3.7' | float }}|{{ 'aXbX' | replace('X', '-') }}|{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | sort(reverse=true) }}|"
     "{{ 'abc' | reverse }}|{{ [1, 2, 3] | sum }}|{{ [1, 5, 3] | max }}|{{ [1, 1, 2] | unique | list }}|"
     "{{ 'a<b>&' | e }}|{{ 2.567 | round(2) }}|{{ -3 | abs }}", {}),
    ("{{ msgs | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|"
     "{{ msgs | rejectattr('role', 'eq', 'user') | list | length }}|{{ msgs | map(attribute='role') | list }}|"
     "{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [1, 2, 3, 4] | reject('even') | list }}|"
     "{{ msgs | selectattr('content') | list | length }}|{{ msgs | map(attribute='x', default='?') | join }}",
     {"msgs": [{"role": "user", "content": "a"}, {"role": "assistant", "content": ""}, {"role": "user", "content": "c"}]}),
    ("{{ v | tojson }}|{{ v | tojson(indent=2) }}|{{ v | tojson(sort_keys=true) }}|"
     "{{ v | tojson(separators=(',', ':')) }}|{{ 'é\"\\n\\t\\\\' | tojson }}|{{ 'é' | tojson(ensure_ascii=true) }}|"
     "{{ [] | tojson(indent=2) }}|{{ {} | tojson }}|{{ 1.5e-7 | tojson }}|{{ none | tojson }}|{{ (1, 2) | tojson }}",
     {"v": {"b": [1, 2.5, None, True], "a": {"x": "y", "z": []}, "n": 100000000000000000.0}}),
    ("{{ 'a\\nb\\n\\nc' | indent(2) }}|{{ 'a\\nb' | indent(2, first=true) }}|{{ 'a\\n\\nb' | indent('> ', blank=true) }}",
     {}),
    # tests
    ("{{ x is defined }} {{ y is undefined }} {{ none is none }} {{ 'a' is string }} {{ {} is mapping }} "
     "{{ 'a' is iterable }} {{ [1] is sequence }} {{ 1 is number }} {{ 1 is integer }} {{ 1.5 is float }} "
     "{{ true is boolean }} {{ 3 is odd }} {{ 4 is even }} {{ 9 is divisibleby 3 }} {{ 'a' is equalto 'a' }} "
     "{{ 2 is eq(2) }} {{ 1 is ne 2 }} {{ 1 is lt 2 }} {{ 'A' is upper }} {{ 'a' is lower }} {{ 1 is in [1] }} "
     "{{ x is not none }} {{ none is sameas none }} {{ true is true }} {{ y is iterable }} {{ 1 is string }} "
     "{{ [] is mapping }} {{ f is callable }}", {"x": 1, "f": None}),
    # strftime_now and globals
    ("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %p %y %a') }}|"
     "{{ range(3) | list }}|{{ range(1, 7, 2) | list }}|{{ dict(a=1) }}|{{ namespace(a=1).a }}", {}),
    # errors
    ("{{ raise_exception('Custom refusal: roles must alternate') }}", {}),
    ("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok",
     {"messages": [{"role": "system", "content": "x"}]}),
    ("{{ foo.bar }}", {}),
    ("{{ m.x.y }}", {"m": {}}),
    ("{{ x + 1 }}", {}),
    ("{{ undefined_fn() }}", {}),
    ("{{ 1 + 'a' }}", {}),
    ("{% for %}", {}),
    ("{% if x %}unclosed", {}),
    ("{{ 'unterminated }}", {}),
    ("{% endfor %}", {}),
    ("{{ x | nosuchfilter }}", {}),
    ("{% break %}", {}),
]


def snippets():
    out = []
    for template, variables in SNIPPETS:
        case = {"template": template, "variables": variables}
        try:
            case["text"] = _compile_jinja_template(template).render(strftime_now=strftime_now, **variables)
        except Exception as e:
            case["error_type"] = type(e).__name__
            case["error"] = str(e)
        out.append(case)
    return out


def random_template(rng, depth=0):
    """Text and nested tags with random whitespace around them and random -/+ signs on the delimiters."""
    def sign():
        return rng.choice(["", "", "-", "+"])

    def ws():
        return "".join(rng.choice([" ", " ", "\t", "\n", "x", "y "]) for _ in range(rng.randint(0, 4)))

    def block(body):
        return "{%" + sign() + " " + body + " " + sign() + "%}"

    out = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["text", "print", "comment", "if", "for", "set", "raw"] if depth < 3 else ["text", "print"])
        out.append(ws())
        if kind == "text":
            out.append(rng.choice(["a", "b\n", "  c  ", "\n\n", "\t"]))
        elif kind == "print":
            s1 = rng.choice(["", "-"])
            s2 = rng.choice(["", "-"])
            out.append("{{" + s1 + " " + rng.choice(["'v'", "1", "i", "none", "' s '"]) + " " + s2 + "}}")
        elif kind == "comment":
            out.append("{#" + sign() + " note " + sign() + "#}")
        elif kind == "if":
            out.append(block(rng.choice(["if true", "if false", "if i"])) + random_template(rng, depth + 1))
            if rng.random() < 0.4:
                out.append(block("else") + random_template(rng, depth + 1))
            out.append(block("endif"))
        elif kind == "for":
            out.append(block("for i in [1, 2]") + random_template(rng, depth + 1) + block("endfor"))
        elif kind == "set":
            out.append(block("set i = 3"))
        else:
            out.append(block("raw") + ws() + "{{ raw }}" + ws() + block("endraw"))
        out.append(ws())
    return "".join(out)


ENV = _compile_jinja_template("").environment

EXPR_VARS = {"s": "Héllo, World", "t": "  padded\t", "n": 7, "m": -3, "f": 2.5, "z": 0, "l": [3, 1, 2],
             "e": [], "d": {"k": "v", "n": 1}, "b": True, "o": None, "q": 'say "hi"', "g": 1e-7}

ATOMS = ["s", "t", "n", "m", "f", "z", "l", "e", "d", "b", "o", "q", "g", "u", "0", "1", "-2", "3.0", "0.1", "1e20",
         "'a'", "''", "'x y'", "\"it's\"", "'日本'", "true", "false", "none", "[1, 'a', none]", "[]", "{'a': 1}",
         "(1, 2)", "[2.5, -1]", "'10'", "'3.5'"]
BINARY = ["+", "-", "*", "/", "//", "%", "~", "and", "or", "==", "!=", "<", ">=", "in", "not in"]
# reverse, items, unique, select, map and batch return Python iterators in Jinja (truthy, lazily failing, printed
# with their address): they are consumed with | list, as templates consume them in for loops.
FILTERS = ["length", "string", "trim", "upper", "lower", "list", "first", "last", "tojson", "join", "join('-')",
           "default('d')", "default('d', true)", "int", "float", "abs", "reverse | list", "sort", "unique | list",
           "items | list",
           "capitalize", "title", "replace('l', 'L')", "sum", "max", "min", "tojson(indent=1)", "count",
           "select('odd') | list", "map('string') | list", "batch(2) | list"]
TESTS = ["defined", "undefined", "none", "string", "number", "mapping", "iterable", "sequence", "integer", "float",
         "odd", "even", "boolean", "true", "false", "lower", "upper", "eq 1", "in [1, 'a']", "divisibleby 2"]
METHODS = ["upper()", "lower()", "split()", "split(',')", "strip()", "startswith('H')", "endswith('d')", "title()",
           "get('k')", "get('x', 0)", "items()", "keys()", "values()", "index(1)", "count(1)", "replace('l', '')",
           "find('o')", "isdigit()", "format(1)", "join(['a', 'b'])", "rstrip('d')"]


def folds_to_constant(expr):
    """Whether Jinja's optimizer reduces the expression to a constant at compile time (e.g. [] and x)."""
    tree = optimize(ENV.parse("{{ " + expr + " }}"), ENV)
    return all(isinstance(n, (nodes.Const, nodes.TemplateData)) for n in tree.body[0].nodes)


def random_expr(rng, depth=0):
    r = rng.random()
    if depth >= 3 or r < 0.3:
        return rng.choice(ATOMS)
    sub = random_expr(rng, depth + 1)
    if r < 0.5:
        return "(" + sub + " " + rng.choice(BINARY) + " " + random_expr(rng, depth + 1) + ")"
    if r < 0.6:
        return "(" + sub + " | " + rng.choice(FILTERS) + ")"
    if r < 0.68:
        return "(" + sub + " is " + rng.choice(["", "not "]) + rng.choice(TESTS) + ")"
    if r < 0.76:
        return "(" + sub + ")." + rng.choice(METHODS)
    if r < 0.84:
        subscripts = ["[0]", "[-1]", "['k']", "[5]", ".k"]
        if not folds_to_constant(sub):
            # Jinja folds constant subexpressions at compile time, where a bad slice becomes Undefined instead of
            # the TypeError it raises at run time: slice only what depends on a variable
            subscripts += ["[1:]", "[:-1]", "[::-1]", "[0:1]"]
        return "(" + sub + ")" + rng.choice(subscripts)
    if r < 0.9:
        return "(" + rng.choice(["not ", "-"]) + sub + ")"
    return "(" + sub + " if " + random_expr(rng, depth + 1) + " else " + random_expr(rng, depth + 1) + ")"


def expression_cases():
    import random
    rng = random.Random(7)
    out = []
    while len(out) < 600:
        template = "{{ " + random_expr(rng) + " }}"
        case = {"template": template}
        try:
            case["text"] = _compile_jinja_template(template).render(**EXPR_VARS)
        except Exception as e:
            case["error_type"] = type(e).__name__
            case["error"] = str(e)
        if " at 0x" in case.get("text", ""):
            continue  # printed a generator object (Jinja's lazy filters): its address is not reproducible
        out.append(case)
    return out


def whitespace_cases():
    import random
    rng = random.Random(20260305)
    out = []
    for _ in range(400):
        template = random_template(rng)
        case = {"template": template, "variables": {}}
        try:
            case["text"] = _compile_jinja_template(template).render()
        except Exception as e:
            case["error_type"] = type(e).__name__
            case["error"] = str(e)
        out.append(case)
    return out


def float_cases():
    """Python's repr() of 1000 doubles: random bit patterns, random short decimals, powers of ten, subnormals."""
    import random
    import struct
    rng = random.Random(11)
    values = [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e16, 1e-4, 1e-5, 9.999999999999999e15]
    while len(values) < 1000:
        r = rng.random()
        if r < 0.4:
            v = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        elif r < 0.8:
            v = round(rng.uniform(-1000, 1000), rng.randint(0, 6)) * 10.0 ** rng.randint(-25, 25)
        else:
            v = float(rng.randint(1, 99)) * 10.0 ** rng.randint(-320, 300)
        if v == v and v not in (float("inf"), float("-inf")):
            values.append(v)
    return [[struct.pack("<d", v).hex(), repr(v)] for v in values]


def main():
    meta = {"generator": "tools/chat/make_chat_goldens.py", "transformers": transformers.__version__,
            "clock": CLOCK.isoformat()}
    with open(os.path.join(RES, "goldens.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"meta": meta, "cases": goldens()}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open(os.path.join(RES, "floats.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"meta": meta, "cases": float_cases()}, f, indent=0)
        f.write("\n")
    with open(os.path.join(RES, "expressions.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"meta": meta, "variables": EXPR_VARS, "cases": expression_cases()}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    with open(os.path.join(RES, "whitespace.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"meta": meta, "cases": whitespace_cases()}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    with open(os.path.join(RES, "snippets.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"meta": meta, "cases": snippets()}, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
