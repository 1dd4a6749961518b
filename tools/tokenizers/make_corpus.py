#!/usr/bin/env python3
"""Writes the tokenizer parity corpus (corpus.jsonl, one {"text": ...} per case): hand-written cases covering prose,
code, numbers, emoji, CJK, Arabic and other scripts, whitespace runs and special-token strings, then seeded random
strings drawn from a pool of characters chosen to stress pre-tokenization (letters/marks/numbers of many scripts,
Unicode spaces, line breaks, apostrophes, punctuation). Deterministic: same output on every run. Plain python3."""
import json
import random
import sys

CASES = [
    "Hello world",
    "The quick brown fox jumps over the lazy dog. It's 5 o'clock; we'll see, they've gone, I'm here, you'd know.",
    "Cortado is a pure-Java engine for the whole life of a large language model: tokenize, pretrain, fine-tune, serve.",
    "In 1905, Albert Einstein published four papers.\nThe third introduced special relativity.\n\nThe end.\n",
    "I'M SHOUTING, YOU'LL HEAR. DON'T, WON'T, SHE'S, THEY'RE, WE'VE, I'D, HE'LL.",
    "Mixed case: It'S, iT'lL, we'Ve, THEY'Re; also curly quotes: it\u2019s, don\u2019t.",
    "Long s: 'ſ and 'ſt, Kelvin: '\u212a, Turkish: \u0130stanbul, \u0131\u015f\u0131k.",
    "def fib(n: int) -> int:\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "public static void main(String[] args) {\n\tSystem.out.println(\"Hi\" + args.length);\n}\n",
    "for (int i = 0; i < n; ++i) { a[i] += b[i] * 2.5f; } // SAXPY-ish\r\n",
    '{"name": "cortado", "version": "0.1.0", "deps": [], "ok": true, "pi": 3.14159}',
    "<html><body><p class=\"x\">Caf\u00e9 &amp; cr\u00e8me br\u00fbl\u00e9e</p></body></html>",
    "SELECT id, name FROM users WHERE age >= 21 AND name LIKE '%son' ORDER BY id DESC;",
    "https://example.com/path/to/page?query=1&lang=en#section-2 mailto:someone@example.org",
    "Numbers: 0 1 12 123 1234 12345 123456 1234567 3.14159 -42 +7 1e-9 0x1F 1,000,000 $19.99 50% 2024-01-31",
    "\u0661\u0662\u0663 \u0967\u0968\u0969 \u00bd \u2153 \u2460 \u2167 \uff11\uff12\uff13",
    "Emoji: \U0001F600\U0001F603 \U0001F44D\U0001F3FD \U0001F468\u200D\U0001F469\u200D\U0001F467 \U0001F1EF\U0001F1F5 \u2764\ufe0f \U0001F9D1\u200D\U0001F4BB",
    "\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u6563\u6b65\u5427\u3002",
    "\u65e5\u672c\u8a9e\u306e\u6587\u7ae0\u3002\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a\u3001\u6f22\u5b57\u3002",
    "\ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4. \uc548\ub155\ud558\uc138\uc694!",
    "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645\u060c \u0643\u064a\u0641 \u062d\u0627\u0644\u0643\u061f \u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3",
    "\u0939\u093f\u0928\u094d\u0926\u0940 \u092d\u093e\u0937\u093e \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22 \u10e5\u10d0\u10e0\u10d7\u10e3\u10da\u10d8",
    "Mixed: English \u4e2d\u6587 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u0420\u0443\u0441\u0441\u043a\u0438\u0439 123\u4e2d456 abc\u0627\u0644\u0639def",
    "Combining: e\u0301 a\u0308 n\u0303 \u1e9b\u0323 Zalgo: Z\u0351\u036b\u0343a\u0352\u0346l\u0315g\u0350o",
    "    four leading spaces",
    "trailing spaces    ",
    "a  b   c    d     e",
    "\n\n\n",
    "line1\n\nline2\n\n\nline3\r\n\r\nline4",
    "  \n  \n\t\t\n",
    "tabs\tand\t\tmore\t\t\ttabs",
    " \u00a0nbsp\u00a0\u00a0 ideographic\u3000\u3000space\u2003em\u2009thin",
    "vertical\u000btab form\u000cfeed next\u0085line sep\u2028para\u2029end",
    "",
    " ",
    "\t",
    "x",
    "!!!???...,,,;;;:::",
    "a\n b\n  c\n   d",
    "end with newline\n",
    "<|endoftext|>",
    "Document one.<|endoftext|>Document two.",
    "<|endoftext|><|endoftext|> <|endoftext|>\n<|endoftext|>",
    "<|fim_prefix|>def f():<|fim_suffix|>    return 1<|fim_middle|>",
    "almost special: <|endoftext| <|endoftext |endoftext|> <|ENDOFTEXT|> <|endofprompt|>",
    "[CLS] [SEP] [MASK] [PAD] [UNK] ##ing",
    "Hello\u200bzero\u200cwidth\u200djoiner\ufeffbom",
    "control chars: \u0001\u0002\u0007 and \u007f del",
    "Replacement char \ufffd and private use \ue000",
    "Math: \u2200x\u2208\u211d, \u2203y: x\u00b2+y\u00b2\u22641 \u2211\u221a\u222b \u03b1\u03b2\u03b3",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "=" * 80,
    " " * 40 + "x",
    "\u4e00" * 30,
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "A" * 120 + " and a word over one hundred characters",
    "it's 'quoted' and \"double\" and `back`; 's 't 're 've 'm 'll 'd",
    "I've got $5.00 and you've got \u20ac10,00 \u2014 that's \u00a35 vs \u00a510 \u2026 right?",
    "Unicode dashes \u2013 \u2014 quotes \u201clike this\u201d \u2018and this\u2019 \u00abguillemets\u00bb",
    "snake_case camelCase PascalCase kebab-case SCREAMING_CASE x86_64 utf-8 UTF16LE",
    "ÀÉÎÕÜ àéîõü ÇçÑñ Ææ Øø Åå ß ẞ Œœ",
    # Long pieces (> 128 bytes) take the heap path of the merge loop.
    "x" * 300,
    " " * 500 + "end",
    "1" * 200 + " digits",
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODkrLw" * 4,
    "\u00e9" * 150,
    "\U0001F600" * 60,
    "Fullwidth: \uff21\uff22\uff23\uff41\uff42\uff43 \uff01\uff1f ligature: \ufb01\ufb02 superscript: x\u00b2 \u2075",
]

POOL = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" " * 12 + "\n" * 5 + "\r\t")
    + list("'''\"!?.,;:-_()[]{}<>/\\|@#$%^&*+=~`")
    + ["s", "t", "re", "ve", "m", "ll", "d", "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re"]
    + ["\u00a0", "\u3000", "\u2003", "\u000b", "\u000c", "\u0085", "\u2028", "\u200b", "\u00ad"]
    + ["\u00e9", "e\u0301", "\u0308", "\u0300", "\u00df", "\u0130", "\u017f", "\u212a", "\u00c5", "\u01c5"]
    + ["\u4e2d", "\u6587", "\u3042", "\u30a2", "\ud55c", "\u0627", "\u0644", "\u064e", "\u0661", "\u05d0"]
    + ["\u0416", "\u03a3", "\u03c3", "\u0939", "\u094d", "\u0e01", "\u0e31", "\u10e5", "\u0967", "\u00bd"]
    + ["\U0001F600", "\U0001F44D", "\U0001F3FD", "\u200d", "\u2764", "\ufe0f", "\U0001F1EF", "\U00020000", "\U0001D400"]
    + ["<|endoftext|>", "<|", "|>", "[SEP]", "##"]
)


def fuzz(rng, n):
    out = []
    for _ in range(n):
        k = rng.randint(1, 48)
        out.append("".join(rng.choice(POOL) for _ in range(k)))
    return out


def main(dst):
    rng = random.Random(20261128)
    cases = CASES + fuzz(rng, 400)
    with open(dst, "w", encoding="utf-8", newline="\n") as f:
        for c in cases:
            f.write(json.dumps({"text": c}, ensure_ascii=True) + "\n")
    print(f"{dst}: {len(cases)} cases")



WORDS = ("the of and to in is was for on that with as by at from his her it an are were be this which or have had "
         "not but they one all their has been also its first new after who two other more when there into time "
         "year years during would most only over city may under such state school world between some many later "
         "where these about than then national three made used known while before both through him team people "
         "work part each university number around well united could high until since however being like same "
         "tokenizer encoder decoder model training language pretrain transformer attention gradient vector matrix "
         "java python rust compile runtime memory thread kernel cache buffer stream parser token merge rank byte "
         "don't it's we're they've I'm you'll she'd running jumped quickly happiness unbelievable reorganization "
         "café naïve façade résumé über straße 東京 北京 数据 模型 שלום مرحبا привет мир καλημέρα").split()


def training_text(rng, n_chars):
    out, size = [], 0
    while size < n_chars:
        k = rng.randint(4, 18)
        words = [rng.choice(WORDS) for _ in range(k)]
        if rng.random() < 0.3:
            words.insert(rng.randint(0, k), str(rng.randint(0, 10 ** rng.randint(1, 6))))
        s = " ".join(words)
        s = s[0].upper() + s[1:] + rng.choice([".", ".", ".", "!", "?", ";", ":", ","])
        if rng.random() < 0.15:
            s += "\n"
        out.append(s + ("\n" if rng.random() < 0.2 else " "))
        size += len(s) + 1
    return "".join(out)


def write_training_text(dst, n_chars=200_000):
    with open(dst, "w", encoding="utf-8", newline="\n") as f:
        f.write(training_text(random.Random(7), n_chars))


if __name__ == "__main__":
    main(sys.argv[1])
    if len(sys.argv) > 2:
        write_training_text(sys.argv[2])
