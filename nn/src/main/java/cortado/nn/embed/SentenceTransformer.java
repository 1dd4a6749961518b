package cortado.nn.embed;

import cortado.autograd.F;
import cortado.autograd.NoGrad;
import cortado.data.json.Json;
import cortado.data.json.JsonException;
import cortado.data.tokenizer.Encoding;
import cortado.data.tokenizer.TemplateProcessor;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.TokenizerException;
import cortado.data.tokenizer.Tokenizers;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.WordPieceTokenizer;
import cortado.nn.io.CheckpointException;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertModel;
import cortado.nn.models.bert.EncoderBatch;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A sentence-transformers directory loaded as an embedding model: {@code modules.json} lists a {@code Transformer}
 * (a BERT encoder at the root or in its own folder, with its tokenizer), a {@code Pooling}, then any {@code Dense}
 * and {@code Normalize} modules, the pipeline of sentence-transformers' {@code SentenceTransformer.encode}; any other
 * module is refused by name. config_sentence_transformers.json's prompts and default prompt apply as in ST. Both layouts load: that
 * of sentence-transformers 2-5 ({@code sentence_bert_config.json} holding {@code max_seq_length} and
 * {@code do_lower_case}; pooling flags), and that of 6.0 (the length in {@code tokenizer_config.json}'s
 * {@code model_max_length}, capped at {@code max_position_embeddings}; {@code pooling_mode}).
 *
 * <p>Each text is lowercased when {@code do_lower_case} says so, tokenized by the directory's WordPiece tokenizer,
 * truncated to {@code max_seq_length} with [CLS] ... [SEP] around it, padded on the right within a batch; the encoder
 * hides padding keys with the attention mask.
 */
public final class SentenceTransformer {
    private static final Set<String> ST_CONFIG_KEYS = Set.of("max_seq_length", "do_lower_case", "transformer_task",
            "modality_config", "module_output_name");

    private final BertModel encoder;
    private final Tokenizer tokenizer;
    private final TemplateProcessor template;
    private final Pooling pooling;
    private final List<EmbeddingStep> steps;
    private final Prompts prompts;
    private final boolean lowerCase;
    private final int maxSeqLength, padId;

    private SentenceTransformer(BertModel encoder, Tokenizer tokenizer, Pooling pooling, List<EmbeddingStep> steps,
                                Prompts prompts, boolean lowerCase, int maxSeqLength) {
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        this.steps = List.copyOf(steps);
        this.prompts = prompts;
        this.lowerCase = lowerCase;
        this.maxSeqLength = maxSeqLength;
        int cls = tokenId(tokenizer, "[CLS]"), sep = tokenId(tokenizer, "[SEP]"), pad = tokenId(tokenizer, "[PAD]");
        if (cls < 0 || sep < 0) throw new IllegalArgumentException("the tokenizer has no [CLS] or [SEP] token");
        this.template = TemplateProcessor.bert(cls, sep);
        this.padId = pad < 0 ? 0 : pad;
    }

    private static int tokenId(Tokenizer tok, String token) {
        return tok instanceof HfTokenizer hf ? hf.tokenId(token) : ((WordPieceTokenizer) tok).tokenId(token);
    }

    /** Whether {@code dir} looks like a sentence-transformers directory (it has modules.json). */
    public static boolean isSentenceTransformer(Path dir) { return Files.isRegularFile(dir.resolve("modules.json")); }

    public static SentenceTransformer load(Path dir) {
        if (!Files.isDirectory(dir))
            throw CheckpointException.at(dir, Files.exists(dir) ? "not a directory (expected a sentence-transformers model directory)"
                    : "no such directory");
        Path modulesFile = dir.resolve("modules.json");
        if (!Files.exists(modulesFile))
            throw CheckpointException.at(dir, "not an embedding model: no modules.json (a sentence-transformers directory"
                    + " lists its Transformer, Pooling and Normalize modules there)");
        if (!(parse(modulesFile) instanceof List<?> modules))
            throw CheckpointException.at(modulesFile, "must be a JSON list of modules");
        Path transformer = null, poolingDir = null;
        List<Map.Entry<String, Path>> after = new ArrayList<>();   // Dense and Normalize modules, in order
        for (Object o : modules) {
            if (!(o instanceof Map<?, ?> m) || !(m.get("type") instanceof String type) || !(m.get("path") instanceof String path))
                throw CheckpointException.at(modulesFile, "every module needs a \"type\" and a \"path\" string, got " + Json.write(o));
            String kind = type.substring(type.lastIndexOf('.') + 1);
            Path where = path.isEmpty() ? dir : dir.resolve(path).normalize();
            if (!where.startsWith(dir.normalize()) && !where.equals(dir))
                throw CheckpointException.at(modulesFile, "module path " + path + " leaves the model directory");
            String expected = transformer == null ? "Transformer" : poolingDir == null ? "Pooling" : "Dense or Normalize";
            boolean ok = transformer == null ? kind.equals("Transformer") : poolingDir == null ? kind.equals("Pooling")
                    : kind.equals("Dense") || kind.equals("Normalize");
            if (!ok)
                throw CheckpointException.at(modulesFile, "module " + type + " is not supported here (Cortado runs a"
                        + " Transformer, a Pooling, then Dense and Normalize modules; expected " + expected + ")");
            switch (kind) {
                case "Transformer" -> transformer = where;
                case "Pooling" -> poolingDir = where;
                default -> after.add(Map.entry(kind, where));
            }
        }
        if (transformer == null || poolingDir == null)
            throw CheckpointException.at(modulesFile, "needs a Transformer and a Pooling module");

        BertModel encoder = BertCheckpoint.loadModel(transformer);
        int maxPositions = encoder.config().maxPositionEmbeddings();
        Integer maxSeq = null;
        boolean lower = false;
        Path stConfig = transformer.resolve("sentence_bert_config.json");
        if (Files.exists(stConfig)) {
            Map<String, Object> c = object(stConfig);
            for (String key : c.keySet())
                if (!ST_CONFIG_KEYS.contains(key))
                    throw CheckpointException.at(stConfig, "field " + key + " is not a Transformer setting Cortado knows");
            if (c.get("max_seq_length") != null) maxSeq = positive(c.get("max_seq_length"), stConfig, "max_seq_length");
            if (c.get("do_lower_case") != null) {
                if (!(c.get("do_lower_case") instanceof Boolean b)) throw CheckpointException.at(stConfig, "do_lower_case must be true or false");
                lower = b;
            }
            if (c.get("transformer_task") != null && !"feature-extraction".equals(c.get("transformer_task")))
                throw CheckpointException.at(stConfig, "transformer_task " + Json.write(c.get("transformer_task"))
                        + " is not supported (feature-extraction)");
            if (c.get("module_output_name") != null && !"token_embeddings".equals(c.get("module_output_name")))
                throw CheckpointException.at(stConfig, "module_output_name " + Json.write(c.get("module_output_name"))
                        + " is not supported (token_embeddings)");
        }
        if (maxSeq == null) {
            // ST 6: the tokenizer's model_max_length, capped at the model's positions (HF writes 1e30 for "none")
            maxSeq = maxPositions;
            Path tc = transformer.resolve("tokenizer_config.json");
            if (Files.exists(tc) && object(tc).get("model_max_length") instanceof Number n && n.doubleValue() >= 1)
                maxSeq = (int) Math.min(maxPositions, n.doubleValue());
        }
        if (maxSeq > maxPositions)
            throw CheckpointException.at(stConfig, "max_seq_length " + maxSeq + " exceeds max_position_embeddings " + maxPositions);

        Tokenizer tok;
        try {
            tok = Tokenizers.open(transformer);
        } catch (TokenizerException e) {
            throw CheckpointException.at(transformer, "tokenizer: " + e.getMessage(), e);
        }
        // vocab.txt loads as a WordPieceTokenizer, tokenizer.json as the HF pipeline (whose model must be WordPiece).
        boolean wordPiece = tok instanceof WordPieceTokenizer
                || tok instanceof HfTokenizer hf && hf.json().get("model") instanceof Map<?, ?> m && "WordPiece".equals(m.get("type"));
        if (!wordPiece)
            throw CheckpointException.at(transformer, "the tokenizer is not WordPiece (a BERT encoder needs BERT's tokenizer)");
        Path poolingFile = poolingDir.resolve("config.json");
        if (!Files.exists(poolingFile)) throw CheckpointException.at(poolingFile, "missing (the Pooling module's settings)");
        Pooling pooling = Pooling.fromConfig(object(poolingFile), poolingFile, encoder.config().hiddenSize());
        List<EmbeddingStep> steps = new ArrayList<>();
        int width = pooling.modes().size() * encoder.config().hiddenSize();
        for (Map.Entry<String, Path> module : after) {
            if (module.getKey().equals("Dense")) {
                Dense d = Dense.load(module.getValue(), width);
                width = d.outFeatures();
                steps.add(d);
            } else {
                checkNormalizeConfig(module.getValue().resolve("config.json"));
                steps.add(new Normalize());
            }
        }
        Prompts prompts = Prompts.load(dir.resolve("config_sentence_transformers.json"));
        return new SentenceTransformer(encoder, tok, pooling, steps, prompts, lower, maxSeq);
    }

    /**
     * One embedding per text, computed in batches of {@code batchSize} padded to their longest text, with the
     * directory's default prompt (config_sentence_transformers.json's default_prompt_name) if it names one.
     */
    public float[][] encode(List<String> texts, int batchSize) {
        return encode(texts, batchSize, prompts.defaultPrompt());
    }

    /**
     * As ST's {@code encode(texts, prompt=prompt)}: the prompt (null or empty for none) is prepended to every text;
     * a Pooling with include_prompt false leaves out its tokens, counted as ST's {@code _get_prompt_length} counts
     * them ([CLS] and the prompt's own tokens, within max_seq_length).
     */
    public float[][] encode(List<String> texts, int batchSize, String prompt) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        String p = prompt == null ? "" : prompt;
        int promptLength = p.isEmpty() ? 0 : tokenized(p).length() - 1;   // less the trailing [SEP]
        float[][] out = new float[texts.size()][];
        for (int from = 0; from < texts.size(); from += batchSize) {
            List<Encoding> rows = new ArrayList<>();
            for (String text : texts.subList(from, Math.min(texts.size(), from + batchSize))) rows.add(tokenized(p + text));
            rows = Encoding.padToLongest(rows, padId);
            int b = rows.size(), t = rows.get(0).length();
            int[] ids = new int[b * t], types = new int[b * t], mask = new int[b * t];
            for (int i = 0; i < b; i++) {
                System.arraycopy(rows.get(i).ids(), 0, ids, i * t, t);
                System.arraycopy(rows.get(i).typeIds(), 0, types, i * t, t);
                System.arraycopy(rows.get(i).attentionMask(), 0, mask, i * t, t);
            }
            EncoderBatch batch = new EncoderBatch(b, t, ids, types, mask);
            float[] vectors;
            int dim;
            try (var g = NoGrad.enter()) {
                Tensor pooled = pooling.apply(encoder.forward(batch).lastHiddenState(), batch.maskRows(), promptLength);
                for (EmbeddingStep step : steps) pooled = step.apply(pooled);
                vectors = pooled.contiguous().toArray();
                dim = pooled.size(1);
            }
            for (int i = 0; i < b; i++) {
                out[from + i] = new float[dim];
                System.arraycopy(vectors, i * dim, out[from + i], 0, dim);
            }
        }
        return out;
    }

    /** [CLS] text [SEP], lowercased first when do_lower_case says so, truncated to max_seq_length. */
    private Encoding tokenized(String text) {
        String s = lowerCase ? text.toLowerCase(Locale.ROOT) : text;
        return template.apply(tokenizer.encode(s), null, maxSeqLength);
    }

    /** A Normalize module's config.json (optional) may only name the sentence embedding as its input and output. */
    private static void checkNormalizeConfig(Path file) {
        if (!Files.exists(file)) return;
        for (Map.Entry<String, Object> e : object(file).entrySet()) {
            if (!e.getKey().equals("module_input_name") && !e.getKey().equals("module_output_name"))
                throw CheckpointException.at(file, "field " + e.getKey() + " is not a Normalize setting Cortado knows");
            if (e.getValue() != null && !"sentence_embedding".equals(e.getValue()))
                throw CheckpointException.at(file, e.getKey() + " " + Json.write(e.getValue()) + " is not supported (sentence_embedding)");
        }
    }

    public int maxSeqLength() { return maxSeqLength; }

    /** The directory's WordPiece tokenizer (without the [CLS]/[SEP] template). */
    public Tokenizer tokenizer() { return tokenizer; }

    /** The tokens {@link #encode} feeds the encoder for {@code text} with the default prompt: [CLS] and [SEP] included, truncated. */
    public int tokenCount(String text) {
        String p = prompts.defaultPrompt() == null ? "" : prompts.defaultPrompt();
        return tokenized(p + text).length();
    }

    /** Whether the last module is a Normalize (the embeddings are unit vectors). */
    public boolean normalizes() { return !steps.isEmpty() && steps.getLast() instanceof Normalize; }

    /** The modules after pooling, in order. */
    public List<EmbeddingStep> steps() { return steps; }

    public Prompts prompts() { return prompts; }

    public Pooling pooling() { return pooling; }

    public BertModel encoder() { return encoder; }

    static Object parse(Path file) {
        try {
            return Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw CheckpointException.at(file, "missing");
        } catch (IOException e) {
            throw CheckpointException.at(file, "cannot read: " + e.getMessage(), e);
        } catch (JsonException e) {
            throw CheckpointException.at(file, "invalid JSON: " + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Path file) {
        if (!(parse(file) instanceof Map<?, ?> m)) throw CheckpointException.at(file, "must be a JSON object");
        return (Map<String, Object>) m;
    }

    static int positive(Object v, Path file, String key) {
        if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.doubleValue() < 1
                || n.doubleValue() > Integer.MAX_VALUE)
            throw CheckpointException.at(file, key + " must be a positive integer, got " + Json.write(v));
        return n.intValue();
    }
}
