package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.data.json.Json;
import cortado.nn.generate.FrequencyPresencePenalty;
import cortado.nn.generate.LogitBias;
import cortado.nn.generate.LogitsProcessor;
import cortado.nn.generate.MinP;
import cortado.nn.generate.RepetitionPenalty;
import cortado.nn.generate.Temperature;
import cortado.nn.generate.TopK;
import cortado.nn.generate.TopP;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every logits processor against transformers' own (tools/golden/make_sampling_golden.py): the same fixed logits and
 * past ids of three rows through the same chain; the kept tokens (those not set to -inf) must be exactly the same set,
 * and the kept scores must agree within 1e-6 relative. The element-wise processors do the same float32 operation as
 * torch (one division, multiplication or addition per score), so they agree to the bit; the 1e-6 leaves room for
 * nothing but a last-ulp difference in float32 arithmetic. The OpenAI penalties case is numpy applying OpenAI's
 * documented formula (transformers has no such processor).
 */
class LogitsProcessorParityTest {

    @SuppressWarnings("unchecked")
    static Stream<Arguments> cases() throws Exception {
        Map<String, Object> doc = Json.parseObject(Files.readString(Golden.path("generation/logits_processors.json")));
        float[][] logits = rows((List<Object>) doc.get("logits"));
        int[][] ids = ((List<Object>) doc.get("ids")).stream()
                .map(r -> ((List<Object>) r).stream().mapToInt(v -> ((Number) v).intValue()).toArray()).toArray(int[][]::new);
        int promptLength = ((Number) doc.get("prompt_length")).intValue();
        return ((List<Object>) doc.get("cases")).stream().map(c -> {
            Map<String, Object> m = (Map<String, Object>) c;
            List<LogitsProcessor> chain = ((List<Object>) m.get("processors")).stream()
                    .map(s -> processor((Map<String, Object>) s)).toList();
            return Arguments.of(m.get("name"), chain, logits, ids, promptLength, rows((List<Object>) m.get("scores")));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTransformers(String name, List<LogitsProcessor> chain, float[][] logits, int[][] ids, int promptLength,
                             float[][] expected) {
        for (int b = 0; b < logits.length; b++) {
            float[] scores = logits[b].clone();
            for (LogitsProcessor p : chain) p.process(scores, ids[b], promptLength, ids[b].length);
            for (int j = 0; j < scores.length; j++) {
                String where = name + " row " + b + " token " + j;
                if (expected[b][j] == Float.NEGATIVE_INFINITY) {
                    assertThat(scores[j]).as(where + " removed").isEqualTo(Float.NEGATIVE_INFINITY);
                } else {
                    assertThat(scores[j]).as(where + " kept").isNotEqualTo(Float.NEGATIVE_INFINITY);
                    assertThat(Math.abs(scores[j] - expected[b][j]))
                            .as(where + ": " + scores[j] + " vs " + expected[b][j])
                            .isLessThanOrEqualTo(1e-6f * Math.max(1f, Math.abs(expected[b][j])));
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static float[][] rows(List<Object> json) {
        return json.stream().map(r -> {
            List<Object> row = (List<Object>) r;
            float[] out = new float[row.size()];
            for (int i = 0; i < out.length; i++)
                out[i] = row.get(i) == null ? Float.NEGATIVE_INFINITY : ((Number) row.get(i)).floatValue();
            return out;
        }).toArray(float[][]::new);
    }

    @SuppressWarnings("unchecked")
    private static LogitsProcessor processor(Map<String, Object> s) {
        return switch ((String) s.get("type")) {
            case "temperature" -> new Temperature(f(s, "temperature"));
            case "top_k" -> new TopK(i(s, "k"), i(s, "min_tokens_to_keep"));
            case "top_p" -> new TopP(f(s, "p"), i(s, "min_tokens_to_keep"));
            case "min_p" -> new MinP(f(s, "min_p"), i(s, "min_tokens_to_keep"));
            case "repetition_penalty" -> new RepetitionPenalty(f(s, "penalty"));
            case "openai_penalties" -> new FrequencyPresencePenalty(f(s, "frequency"), f(s, "presence"));
            case "logit_bias" -> {
                Map<Integer, Float> bias = new HashMap<>();
                ((Map<String, Object>) s.get("bias")).forEach((k, v) -> bias.put(Integer.parseInt(k), ((Number) v).floatValue()));
                yield new LogitBias(bias);
            }
            default -> throw new IllegalArgumentException("unknown processor " + s.get("type"));
        };
    }

    private static float f(Map<String, Object> s, String k) { return ((Number) s.get(k)).floatValue(); }

    private static int i(Map<String, Object> s, String k) { return ((Number) s.get(k)).intValue(); }
}
