package cortado.cli;

import cortado.data.tokenizer.Tokenizer;
import cortado.nn.embed.SentenceTransformer;
import cortado.nn.generate.Completion;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.SamplingParams;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.models.CausalLm;
import cortado.serve.rag.ChunkUnit;
import cortado.serve.rag.HnswConfig;
import cortado.serve.rag.HybridFusion;
import cortado.serve.rag.IndexSettings;
import cortado.serve.rag.Metric;
import cortado.serve.rag.RagIndex;
import cortado.serve.rag.RagPrompt;
import cortado.serve.rag.Retriever;
import cortado.serve.rag.TextEmbedder;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cortado rag index} (chunk, embed and index a directory of documents, incrementally) and {@code cortado rag
 * ask} (retrieve the chunks for a question, show them with their scores, and answer with a model from a prompt that
 * cites them by id). The index is a directory ({@link RagIndex}).
 */
public final class RagCommand implements Command {
    @Override public String name() { return "rag"; }

    @Override public String summary() { return "retrieval-augmented generation: index documents, ask questions of them"; }

    @Override
    public int run(String[] argv) throws Exception {
        if (argv.length > 0 && argv[0].equals("index")) return index(Arrays.copyOfRange(argv, 1, argv.length));
        if (argv.length > 0 && argv[0].equals("ask")) return ask(Arrays.copyOfRange(argv, 1, argv.length));
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h"))
            throw new HelpRequested("""
                    usage: cortado rag index|ask [options]

                    Retrieval-augmented generation over a directory of text documents.
                      cortado rag index --docs DIR --embed-model DIR --out INDEX
                          chunks and embeds the documents into an index directory; run again after the documents
                          change and only the files whose content changed are embedded again
                      cortado rag ask --index INDEX --model DIR "question"
                          retrieves chunks (dense, BM25 or both fused), shows them with their scores, and generates an
                          answer from a prompt that cites them by id
                    Both take --threads N (worker threads for the kernels). See `cortado rag index --help` and
                    `cortado rag ask --help`.
                    """);
        throw new UsageException("unknown rag subcommand '" + argv[0] + "' (index or ask)");
    }

    private static int index(String[] argv) throws Exception {
        Args a = new Args("rag index", """
                Indexes the text files under --docs (by extension, read as UTF-8): each is split into chunks (by
                characters or by the embedding model's tokens, with overlap, ending on a paragraph, sentence or word
                boundary), each chunk is embedded with a sentence-transformers model, and the vectors go into an exact
                (flat) or HNSW index, optionally as int8 codes. The index directory holds manifest.json (settings, and
                each file's SHA-256), chunks.jsonl (source path and character offsets of each chunk) and vectors.cvi.
                When --out already holds an index built with the same model, chunking and metric, files whose SHA-256
                is unchanged keep their vectors and are not embedded again; the run says how many.""")
                .required("docs", "DIR", "directory of documents (searched recursively)")
                .required("embed-model", "DIR", "sentence-transformers model directory")
                .required("out", "INDEX", "index directory to write (updated in place when it exists)")
                .option("ext", "LIST", "file extensions to index, comma-separated", "txt,md,markdown,rst")
                .option("chunk-unit", "chars|tokens", "what --chunk-size and --chunk-overlap count", "chars")
                .option("chunk-size", "N", "most characters or tokens per chunk", "800")
                .option("chunk-overlap", "N", "characters or tokens a chunk may repeat of the previous one", "100")
                .option("metric", "cosine|ip|l2", "similarity of vectors", "cosine")
                .option("index", "flat|hnsw", "exact search, or an HNSW graph", "hnsw")
                .option("m", "N", "HNSW links per node (2M on layer 0)", "16")
                .option("ef-construction", "N", "HNSW candidates kept while linking", "100")
                .option("ef-search", "N", "HNSW candidates kept while searching", "64")
                .flag("int8", "keep vectors as int8 codes with a scale each (4x smaller)")
                .option("batch", "N", "chunks embedded together", "32");
        a.parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Path docs = Path.of(a.string("docs")), modelDir = Path.of(a.string("embed-model")), out = Path.of(a.string("out"));
        ChunkUnit unit = ChunkUnit.valueOf(a.choice("chunk-unit", "chars", "tokens").toUpperCase(Locale.ROOT));
        int size = a.positiveInt("chunk-size"), overlap = a.nonNegativeInt("chunk-overlap");
        if (overlap >= size) throw new UsageException("--chunk-overlap must be less than --chunk-size");
        Metric metric = Metric.of(a.choice("metric", "cosine", "ip", "l2"));
        boolean hnsw = a.choice("index", "flat", "hnsw").equals("hnsw");
        HnswConfig config = hnsw ? new HnswConfig(a.positiveInt("m"), a.positiveInt("ef-construction"),
                a.positiveInt("ef-search"), 42) : null;
        if (hnsw && config.m() < 2) throw new UsageException("--m must be at least 2");
        Set<String> ext = new LinkedHashSet<>();
        for (String e : a.string("ext").split(",")) if (!e.isBlank()) ext.add(e.strip().replaceFirst("^\\.", "").toLowerCase(Locale.ROOT));
        if (ext.isEmpty()) throw new UsageException("--ext names no extension");
        if (!Files.isDirectory(docs)) throw new CliException(docs + ": no such documents directory");
        if (!Files.isDirectory(modelDir)) throw new CliException(modelDir + ": no such model directory");
        SentenceTransformer model = SentenceTransformer.load(modelDir);
        TextEmbedder embedder = TextEmbedder.of(model, a.positiveInt("batch"));
        if (unit == ChunkUnit.TOKENS && size > model.maxSeqLength() - 2)
            System.err.printf("warning: --chunk-size %d tokens is more than the model reads (max_seq_length %d, less"
                    + " [CLS] and [SEP]); longer chunks are truncated when embedded%n", size, model.maxSeqLength());
        IndexSettings settings = new IndexSettings(modelDir.toAbsolutePath().normalize().toString(), unit, size, overlap,
                metric, config, a.bool("int8"));
        RagIndex previous = Files.exists(out.resolve(RagIndex.MANIFEST)) ? RagIndex.load(out) : null;
        if (previous == null && Files.isDirectory(out)) {
            try (var s = Files.list(out)) {
                if (s.findAny().isPresent())
                    throw new CliException(out + ": exists and is not a RAG index (no " + RagIndex.MANIFEST + "); give"
                            + " an empty or new directory");
            }
        }
        long t0 = System.nanoTime();
        RagIndex.BuildReport r = RagIndex.build(docs, ext, settings, embedder, previous);
        r.index().save(out);
        System.err.printf("%s: %d files, %d chunks (%s, %s%s%s) in %.1f s%n", out, r.index().files().size(),
                r.index().chunks().size(), metric.id(), hnsw ? "hnsw M=" + config.m() : "flat", a.bool("int8") ? ", int8" : "",
                ", chunks of " + size + " " + unit.name().toLowerCase(Locale.ROOT), (System.nanoTime() - t0) / 1e9);
        if (r.rebuiltBecause() != null)
            System.err.println("the settings changed (" + r.rebuiltBecause() + "): every file was embedded again");
        System.err.printf("embedded %d file%s (%d chunks); %d unchanged file%s not re-embedded (%d chunks reused);"
                        + " %d removed%n", r.filesEmbedded(), r.filesEmbedded() == 1 ? "" : "s", r.chunksEmbedded(),
                r.filesReused(), r.filesReused() == 1 ? "" : "s", r.chunksReused(), r.filesRemoved());
        return Main.OK;
    }

    private static int ask(String[] argv) throws Exception {
        Args a = SamplingOptions.declare(new Args("rag ask", """
                Answers a question from an index `rag index` wrote: retrieves the --k best chunks (hybrid: the top
                --fusion-depth of the dense and the BM25 ranking fused by reciprocal rank, k = 60, each rank weighted
                by --dense-weight or --bm25-weight; or either alone), prints them with their scores, then
                generates an answer with --model from a prompt holding the chunks under their ids ([file#n]) and an
                instruction to cite them (through the model's chat template when it has one). A chunk counts as
                relevant when its dense score reaches --min-score or its BM25 score reaches --min-bm25; when none does,
                it says that nothing relevant was found and generates nothing. When the prompt would not fit the
                model's context window with --max-new-tokens, the lowest-ranked chunks are left out (and it says so).
                Prints the ids of the chunks the prompt held, and those the answer cites.""")
                .required("index", "INDEX", "index directory (rag index --out)")
                .option("model", "DIR", "the checkpoint that answers (not needed with --retrieve-only)", null)
                .option("embed-model", "DIR", "embedding model; default: the one the index was built with", null)
                .option("k", "N", "chunks to retrieve", "4")
                .option("mode", "hybrid|dense|bm25", "how to retrieve", "hybrid")
                .option("fusion-depth", "N", "hybrid: how many of each ranking's best are fused (Elasticsearch's"
                        + " rank_window_size); default: --k", null)
                .option("dense-weight", "W", "hybrid: the weight of the dense ranking's reciprocal ranks", "1")
                .option("bm25-weight", "W", "hybrid: the weight of the BM25 ranking's reciprocal ranks", "1")
                .option("min-score", "X", "least dense score (cosine for a cosine index) of a relevant chunk", "0.3")
                .option("min-bm25", "X", "least BM25 score of a relevant chunk (3: about one rare query term matched"
                        + " in a small collection; common words such as \"of\" score well below 1)", "3.0")
                .flag("retrieve-only", "show the retrieved chunks and stop")
                .positional("QUESTION", "the question"), "0");
        a.parse(argv);
        if (a.positionals().size() != 1)
            throw new UsageException("rag ask takes one question (quote it), got " + a.positionals().size() + " arguments");
        String question = a.positionals().get(0);
        if (question.isBlank()) throw new UsageException("the question is empty");
        if (!a.bool("retrieve-only") && !a.has("model")) throw new UsageException("--model DIR is required (or --retrieve-only)");
        int k = a.positiveInt("k"), maxNew = a.nonNegativeInt("max-new-tokens");
        double minScore = a.real("min-score"), minBm25 = a.real("min-bm25");
        Retriever.Mode mode = Retriever.Mode.valueOf(a.choice("mode", "hybrid", "dense", "bm25").toUpperCase(Locale.ROOT));
        HybridFusion fusion;
        try {
            fusion = new HybridFusion(a.has("fusion-depth") ? a.positiveInt("fusion-depth") : 0, a.real("dense-weight"),
                    a.real("bm25-weight"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        SamplingParams params = SamplingOptions.params(a);
        Path indexDir = Path.of(a.string("index"));
        RagIndex index = RagIndex.load(indexDir);
        Path embedDir = Path.of(a.has("embed-model") ? a.string("embed-model") : index.settings().embedModel());
        if (!Files.isDirectory(embedDir))
            throw new CliException(embedDir + ": the index's embedding model directory is gone; pass --embed-model DIR");
        TextEmbedder embedder = TextEmbedder.of(SentenceTransformer.load(embedDir), 32);
        List<Retriever.Result> results = new Retriever(index, embedder).retrieve(question, mode, k, fusion);

        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.printf("retrieved (%s, k=%d) from %s:%n", mode.name().toLowerCase(Locale.ROOT), k, indexDir);
        List<Retriever.Result> relevant = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Retriever.Result r = results.get(i);
            boolean ok = r.dense() >= minScore || r.bm25() >= minBm25;
            if (ok) relevant.add(r);
            out.printf("  %d. [%s] score %.4f  dense %s  bm25 %.3f  chars %d-%d%s%n", i + 1, r.chunk().id(), r.score(),
                    Double.isNaN(r.dense()) ? "-" : String.format(Locale.ROOT, "%.4f", r.dense()), r.bm25(),
                    r.chunk().start(), r.chunk().end(), ok ? "" : "  (below both thresholds)");
            out.println("     " + preview(r.chunk().text()));
        }
        if (relevant.isEmpty()) {
            double bestDense = results.stream().mapToDouble(Retriever.Result::dense).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN);
            double bestBm25 = results.stream().mapToDouble(Retriever.Result::bm25).max().orElse(0);
            out.printf("nothing relevant found: no chunk reaches --min-score %s (best dense %s) or --min-bm25 %s (best"
                    + " BM25 %.3f)%n", a.string("min-score"), Double.isNaN(bestDense) ? "-" : String.format(Locale.ROOT,
                    "%.4f", bestDense), a.string("min-bm25"), bestBm25);
            return Main.OK;
        }
        if (a.bool("retrieve-only")) return Main.OK;

        Path spec = Path.of(a.string("model"));
        if (!Files.isDirectory(spec)) throw new UsageException(spec + ": not a checkpoint directory");
        Path dir = PretrainCommand.modelDir(spec);
        CausalLm model = PretrainCommand.loadModel(dir.toString(), params.seed());
        Tokenizer tok = ModelTokenizer.forModel(model, null, dir);
        if (tok == null) throw new CliException(dir + ": no tokenizer files with the model");
        PromptIds encoder = new PromptIds(tok, dir);
        boolean chat;
        try {
            encoder.template();
            chat = true;
        } catch (CliException noTemplate) {
            chat = false;
        }
        int budget = model.config().maxPositions() - maxNew;
        int[] ids = null;
        List<Retriever.Result> used = new ArrayList<>(relevant);
        while (!used.isEmpty()) {
            ids = chat ? encoder.messages(messages(question, used), "the chat template")
                    : encoder.text(RagPrompt.plain(question, used), "the prompt");
            if (ids.length <= budget) break;
            used.removeLast();
        }
        if (used.isEmpty())
            throw new CliException("the prompt with even one chunk has " + ids.length + " tokens, more than the model's"
                    + " context window (" + model.config().maxPositions() + ") less --max-new-tokens " + maxNew
                    + " (use smaller chunks or fewer new tokens)");
        if (used.size() < relevant.size())
            out.printf("(%d of the %d relevant chunks fit the context window with --max-new-tokens %d)%n", used.size(),
                    relevant.size(), maxNew);
        StoppingCriteria stop = new StoppingCriteria(maxNew, GenerateCommand.eosTokens(model, tok, dir), SamplingOptions.stops(a));
        out.println("answer:");
        Completion c = GenerateCommand.stream(model, tok, ids, stop, new Sampler(params), out);
        out.println();
        out.println("sources: " + String.join(", ", used.stream().map(r -> r.chunk().id()).toList()));
        Set<String> cited = new LinkedHashSet<>();
        Matcher m = Pattern.compile("\\[([^\\[\\]\\s]+#\\d+)]").matcher(c.text());
        Set<String> known = new LinkedHashSet<>(used.stream().map(r -> r.chunk().id()).toList());
        while (m.find()) if (known.contains(m.group(1))) cited.add(m.group(1));
        out.println("cited in the answer: " + (cited.isEmpty() ? "none" : String.join(", ", cited)));
        return Main.OK;
    }

    private static List<Map<String, Object>> messages(String question, List<Retriever.Result> chunks) {
        return List.of(message("system", RagPrompt.INSTRUCTION), message("user", RagPrompt.context(question, chunks)));
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /** The chunk's first 160 characters on one line. */
    private static String preview(String text) {
        String one = text.replaceAll("\\s+", " ").strip();
        return one.length() <= 160 ? one : one.substring(0, 157) + "...";
    }
}
