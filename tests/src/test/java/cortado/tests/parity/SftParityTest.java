package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.chat.TokenizerConfig;
import cortado.data.json.Json;
import cortado.data.tokenizer.Tokenizer;
import cortado.data.tokenizer.Tokenizers;
import cortado.nn.models.CausalLm;
import cortado.train.Batches;
import cortado.train.PackedRow;
import cortado.train.SftExample;
import cortado.train.SftJsonl;
import cortado.train.SftPacking;
import cortado.train.SftTokenization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SFT data against TRL 1.13's SFTTrainer (tools/train/make_sft_golden.py): for a ChatML (Qwen2.5-style) and a Llama 3
 * tokenizer and template, every layout (text and conversational prompt/completion, messages with assistant-only and
 * all-token loss, Alpaca, ShareGPT) gives TRL's input ids and labels, and packing gives TRL's rows, sequence lengths,
 * position ids and collated labels for both strategies (bfd, wrapped). Token ids and masks are integers: compared
 * exactly.
 */
class SftParityTest {
    @TempDir
    Path tmp;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> golden() throws IOException {
        return Json.parseObject(Files.readString(Golden.path("sft/sft_golden.json")));
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    private static List<int[]> rows(Object list) {
        List<int[]> out = new ArrayList<>();
        for (Object o : (List<?>) list) out.add(ints(o));
        return out;
    }

    /** The loss each golden case was generated with. */
    private static SftTokenization.Loss loss(String layout) {
        return switch (layout) {
            case "messages_all", "sharegpt" -> SftTokenization.Loss.ALL;
            default -> SftTokenization.Loss.COMPLETION;
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"chatml", "llama3"})
    @SuppressWarnings("unchecked")
    void labelsAndPackingMatchTrl(String kind) throws IOException {
        Map<String, Object> golden = golden();
        assertThat(golden.get("trl_version")).isEqualTo("1.13.0");
        Path dir = Golden.path("sft/" + kind);
        Tokenizer tokenizer = Tokenizers.open(dir);
        TokenizerConfig config = TokenizerConfig.load(dir);
        String eos = config.specialTokens().get("eos_token");
        Map<String, Object> cases = (Map<String, Object>) ((Map<String, Object>) golden.get("templates")).get(kind);
        assertThat(cases).containsKeys("prompt_completion", "conversational_pc", "messages", "messages_all", "alpaca",
                "sharegpt", "sharegpt_assistant");
        for (var entry : cases.entrySet()) {
            String layout = entry.getKey();
            Map<String, Object> c = (Map<String, Object>) entry.getValue();
            Path file = tmp.resolve(kind + "_" + layout + ".jsonl");
            Files.write(file, (List<String>) c.get("rows"));
            SftJsonl.Data data = SftJsonl.load(file);
            List<SftExample> examples = new SftTokenization(tokenizer, config.template(), eos, loss(layout)).encode(data);
            List<int[]> ids = rows(c.get("input_ids")), labels = rows(c.get("labels"));
            assertThat(examples).as(kind + " " + layout).hasSize(ids.size());
            for (int i = 0; i < ids.size(); i++) {
                assertThat(examples.get(i).inputIds()).as(kind + " " + layout + " input_ids " + i).containsExactly(ids.get(i));
                assertThat(examples.get(i).labels()).as(kind + " " + layout + " labels " + i).containsExactly(labels.get(i));
            }
            if (c.containsKey("packed"))
                for (Object p : (List<?>) c.get("packed")) checkPacking(kind + " " + layout, examples, (Map<String, Object>) p);
        }
    }

    @SuppressWarnings("unchecked")
    private static void checkPacking(String what, List<SftExample> examples, Map<String, Object> p) {
        int maxLength = ((Number) p.get("max_length")).intValue();
        String strategy = (String) p.get("strategy");
        what = what + " " + strategy;
        List<PackedRow> packed = SftPacking.pack(examples, maxLength,
                strategy.equals("bfd") ? SftPacking.Strategy.BFD : SftPacking.Strategy.WRAPPED);
        List<Map<String, Object>> expected = (List<Map<String, Object>>) p.get("rows");
        assertThat(packed).as(what + " rows").hasSize(expected.size());
        for (int r = 0; r < packed.size(); r++) {
            Map<String, Object> e = expected.get(r);
            assertThat(packed.get(r).inputIds()).as(what + " row " + r + " input_ids").containsExactly(ints(e.get("input_ids")));
            assertThat(packed.get(r).labels()).as(what + " row " + r + " labels").containsExactly(ints(e.get("labels")));
            if (e.containsKey("seq_lengths"))
                assertThat(packed.get(r).seqLengths()).as(what + " row " + r + " seq_lengths").containsExactly(ints(e.get("seq_lengths")));
            else assertThat(packed.get(r).seqLengths()).isNull();
        }
        Map<String, Object> collated = (Map<String, Object>) p.get("collated");
        if (strategy.equals("bfd")) {
            // TRL's padding-free collator: one flattened row, position ids restarting per example, labels -100 at
            // each restart
            int[] flatIds = ints(((List<?>) collated.get("input_ids")).get(0));
            int[] flatLabels = ints(((List<?>) collated.get("labels")).get(0));
            int[] flatPositions = ints(((List<?>) collated.get("position_ids")).get(0));
            int at = 0;
            for (PackedRow row : packed) {
                int n = row.length();
                assertThat(row.positionIds()).as(what + " position_ids at " + at).containsExactly(Arrays.copyOfRange(flatPositions, at, at + n));
                assertThat(row.collatedLabels()).as(what + " collated labels at " + at).containsExactly(Arrays.copyOfRange(flatLabels, at, at + n));
                assertThat(row.inputIds()).containsExactly(Arrays.copyOfRange(flatIds, at, at + n));
                at += n;
            }
            assertThat(at).isEqualTo(flatIds.length);
            checkBatchTargets(what, packed, maxLength, flatIds, flatLabels, flatPositions);
        } else {
            assertThat(collated).as(what + ": no position ids without padding_free").doesNotContainKey("position_ids");
            List<int[]> labels = rows(collated.get("labels"));
            for (int r = 0; r < packed.size(); r++)
                assertThat(Arrays.copyOf(labels.get(r), packed.get(r).length())).containsExactly(packed.get(r).collatedLabels());
        }
    }

    /**
     * What the model is trained on: Batches.packed's targets are TRL's collated labels shifted by one (transformers'
     * ForCausalLMLoss shift), its positions TRL's position ids, its padding ignored.
     */
    private static void checkBatchTargets(String what, List<PackedRow> packed, int maxLength, int[] flatIds,
                                          int[] flatLabels, int[] flatPositions) {
        Batches batches = Batches.packed(packed, 1, maxLength, 7);
        int[] starts = new int[packed.size()];
        for (int r = 1; r < packed.size(); r++) starts[r] = starts[r - 1] + packed.get(r - 1).length();
        boolean[] seen = new boolean[packed.size()];
        for (int draw = 0; draw < 40; draw++) {
            Batches.Batch b = batches.next();
            int r = 0;
            while (!Arrays.equals(Arrays.copyOf(b.inputs(), packed.get(r).length()), packed.get(r).inputIds())) r++;
            seen[r] = true;
            int n = packed.get(r).length(), s = starts[r];
            for (int i = 0; i < maxLength; i++) {
                int expected = i + 1 < n ? flatLabels[s + i + 1] : CausalLm.IGNORE_INDEX;
                assertThat(b.targets()[i]).as(what + " row " + r + " target " + i).isEqualTo(expected);
                assertThat(b.positions()[i]).as(what + " row " + r + " position " + i).isEqualTo(i < n ? flatPositions[s + i] : 0);
            }
        }
        assertThat(seen).as(what + " every row drawn in 40 draws").doesNotContain(false);
    }
}
