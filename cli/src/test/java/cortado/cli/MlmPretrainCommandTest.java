package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import cortado.data.tokenizer.HfTokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.models.bert.BertCheckpoint;
import cortado.nn.models.bert.BertForMaskedLM;
import cortado.train.MetricsLog;
import cortado.train.MlmMasking;
import cortado.train.tasks.EpochTraining;
import cortado.train.tasks.MlmChunks;
import cortado.train.tasks.MlmObjective;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pretrain --objective mlm} end to end: a tiny BERT from a config.json alone, pretrained on the embedded
 * sentiment set's training texts (labels unused), lowers the masked-LM loss on the held-out validation texts (fixed
 * masks) below half its start and below what token frequencies alone give (the training texts' unigram cross-entropy
 * on the validation tokens, add-one smoothed: the expected loss of a model that ignores the context, since every
 * non-special token is equally likely to be masked), and OUT/best, reloaded and re-scored on the same masks, holds the
 * epoch of the lowest held-out loss.
 */
class MlmPretrainCommandTest {
    @TempDir Path dir;

    Path resource(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = MlmPretrainCommandTest.class.getResourceAsStream("/cortado/tasks/sentiment/" + name)) {
            Files.copy(in, p);
        }
        return p;
    }

    /** Cross-entropy (nats per token) of {@code held}'s non-special tokens under {@code train}'s add-one unigram. */
    static double unigramCrossEntropy(List<int[]> train, List<int[]> held, Set<Integer> special, int vocab) {
        long[] count = new long[vocab];
        long n = 0;
        for (int[] doc : train) for (int id : doc) if (!special.contains(id)) { count[id]++; n++; }
        double sum = 0;
        long m = 0;
        for (int[] doc : held)
            for (int id : doc)
                if (!special.contains(id)) { sum -= Math.log((count[id] + 1.0) / (n + vocab)); m++; }
        return sum / m;
    }

    @Test
    void maskedLossFallsBelowHalfItsStartAndBelowTheUnigramBaseline() throws Exception {
        Path train = resource("train.jsonl"), validation = resource("validation.jsonl");
        Path bert = Files.createDirectories(dir.resolve("bert"));
        assertThat(CliRun.run("tokenizer", "train", "--input", train.toString(), "--type", "wordpiece", "--vocab-size",
                "300", "--out", bert.resolve("tokenizer.json").toString()).code()).isZero();
        HfTokenizer tok = (HfTokenizer) Tokenizers.open(bert.resolve("tokenizer.json"));
        int vocab = tok.vocabSize();
        // initializer_range 1/sqrt(hidden_size), as TaskFinetuneCommandTest explains
        Files.writeString(bert.resolve("config.json"), Json.write(Map.of("model_type", "bert", "vocab_size", vocab,
                "hidden_size", 32, "num_hidden_layers", 2, "num_attention_heads", 2, "intermediate_size", 64,
                "max_position_embeddings", 32, "hidden_dropout_prob", 0.0, "attention_probs_dropout_prob", 0.0,
                "initializer_range", 1 / Math.sqrt(32))), StandardCharsets.UTF_8);

        Path out = dir.resolve("mlm");
        long seed = 1337;
        int seq = 32;
        CliRun.Result r = CliRun.run("pretrain", "--objective", "mlm", "--model", bert.toString(), "--data",
                train.toString(), "--val-data", validation.toString(), "--seq", Integer.toString(seq), "--epochs", "15",
                "--batch", "16", "--lr", "3e-3", "--schedule", "constant", "--weight-decay", "0.01", "--seed",
                Long.toString(seed), "--out", out.toString(), "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();

        List<Map<String, Object>> epochs = MetricsLog.read(out.resolve("metrics.jsonl")).stream()
                .filter(m -> m.containsKey("epoch")).toList();
        assertThat(epochs).hasSize(16);   // epoch 0 (before training), then 15
        double before = loss(epochs.get(0)), best = Double.MAX_VALUE;
        int bestEpoch = -1;
        for (Map<String, Object> m : epochs.subList(1, epochs.size()))
            if (loss(m) < best) { best = loss(m); bestEpoch = ((Number) m.get("epoch")).intValue(); }

        Set<Integer> special = Set.of(tok.tokenId("[CLS]"), tok.tokenId("[SEP]"), tok.tokenId("[PAD]"),
                tok.tokenId("[MASK]"), tok.tokenId("[UNK]"));
        List<int[]> trainDocs = MlmChunks.encode(MlmChunks.texts(train), tok);
        List<int[]> valDocs = MlmChunks.encode(MlmChunks.texts(validation), tok);
        double unigram = unigramCrossEntropy(trainDocs, valDocs, special, vocab);
        System.out.printf("held-out masked loss %.4f before, %.4f best (epoch %d), %.4f last; unigram baseline %.4f,"
                + " ln V %.4f%n", before, best, bestEpoch, loss(epochs.getLast()), unigram, Math.log(vocab));
        assertThat(best).as("best held-out masked loss").isLessThan(before / 2).isLessThan(unigram - 0.1);

        // OUT/best: its epoch, and its loss on the command's validation masks (the same blocks and masking stream)
        Map<String, Object> saved = Json.parseObject(Files.readString(out.resolve("best").resolve(EpochTraining.BEST_METRICS)));
        assertThat(((Number) saved.get("epoch")).intValue()).isEqualTo(bestEpoch);
        BertForMaskedLM model = BertCheckpoint.loadMaskedLm(out.resolve("best"));
        MlmObjective masks = new MlmObjective(model, new MlmMasking(tok.tokenId("[MASK]"), vocab, 0.15, seed + 1),
                special, null);
        List<MlmMasking.Masked> val = new ArrayList<>();
        for (int[] b : MlmChunks.group(valDocs, seq)) val.add(masks.mask(b));
        // 1e-5: the same float32 forward, only the kernels' split over threads may differ
        assertThat(MlmPretraining.maskedLoss(model, val, seq, 16)).as("OUT/best re-scored").isCloseTo(best, within(1e-5));
    }

    static double loss(Map<String, Object> m) { return ((Number) m.get("val_loss")).doubleValue(); }
}
