package cortado.quant;

import cortado.nn.io.CheckpointException;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsFile;
import cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reads the transformers + bitsandbytes 4-bit layout written by tools/quant/make_bnb_checkpoint.py (tiny Llama, NF4 +
 * double quant at blocksize 64, and FP4 at 128), checks every stored state against Java's own quantization of the
 * original fp32 weights (bit for bit, the quant_state JSON byte for byte), writes it back identically, and refuses
 * broken checkpoints with one message naming the tensor (Must-show 6).
 */
class BnbCheckpointTest {
    static final String Q = "model.layers.0.self_attn.q_proj.weight";

    static Path fixture(String name) throws Exception {
        return Path.of(BnbCheckpointTest.class.getResource("/quant/" + name + "/config.json").toURI()).getParent();
    }

    @Test
    void loadsNf4DoubleQuantAndMatchesJavaQuantizationBitForBit() throws Exception {
        checkFixture("bnb_llama_nf4_dq", QuantType.NF4, 64, true, 14);
    }

    @Test
    void loadsFp4AndMatchesJavaQuantizationBitForBit() throws Exception {
        checkFixture("bnb_llama_fp4", QuantType.FP4, 128, false, 7);
    }

    private void checkFixture(String name, QuantType type, int blocksize, boolean dq, int weights) throws Exception {
        Path dir = fixture(name);
        assertThat(BnbCheckpoint.isQuantized(dir)).isTrue();
        BnbCheckpoint.Contents c = BnbCheckpoint.load(dir);
        assertThat(c.quantization().type()).isEqualTo(type);
        assertThat(c.quantization().doubleQuant()).isEqualTo(dq);
        assertThat(c.quantized()).hasSize(weights);
        assertThat(c.tensors()).containsKeys("model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
                "model.layers.0.input_layernorm.weight");
        assertThat(c.tensors().keySet()).noneMatch(k -> k.contains("absmax") || k.contains("quant_"));
        try (SafetensorsFile original = Safetensors.read(dir.resolve("reference.safetensors"));
             SafetensorsFile stored = Safetensors.read(dir.resolve("model.safetensors"))) {
            for (Map.Entry<String, Quantized4bit> e : c.quantized().entrySet()) {
                Quantized4bit loaded = e.getValue();
                float[] w = original.toFloatTensor(e.getKey()).toArray();
                int[] shape = original.shape(e.getKey());
                assertThat(loaded.shape()).isEqualTo(shape);
                assertThat(loaded.blocksize()).isEqualTo(blocksize);
                Quantized4bit mine = BlockwiseQuantizer.quantize4bit(w, shape, type, blocksize, dq);
                assertThat(loaded.packed()).as(e.getKey()).isEqualTo(mine.packed());
                if (dq) {
                    assertThat(loaded.doubleQuant().absmaxCodes()).isEqualTo(mine.doubleQuant().absmaxCodes());
                    assertThat(loaded.doubleQuant().nestedAbsmax()).isEqualTo(mine.doubleQuant().nestedAbsmax());
                    assertThat(Float.floatToIntBits(loaded.doubleQuant().offset()))
                            .isEqualTo(Float.floatToIntBits(mine.doubleQuant().offset()));
                } else {
                    assertThat(loaded.absmax()).isEqualTo(mine.absmax());
                }
                String key = e.getKey() + "." + BnbCheckpoint.QUANT_STATE + type.bnbName();
                String json = new String(stored.bytes(key).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                assertThat(BnbCheckpoint.quantStateJson(mine)).isEqualTo(json);
                // Dequantized values stay within half a code step of the largest gap (NF4 gap < 0.33, FP4 < 0.34).
                float[] back = loaded.dequantize();
                float[] scale = loaded.blockAbsmax();
                for (int i = 0; i < w.length; i++)
                    assertThat(Math.abs(back[i] - w[i])).isLessThanOrEqualTo(0.17f * scale[i / blocksize] * 1.01f + 1e-6f);
            }
        }
    }

    @Test
    void writesTheSameTensorsBack(@TempDir Path tmp) throws Exception {
        Path dir = fixture("bnb_llama_nf4_dq");
        BnbCheckpoint.Contents c = BnbCheckpoint.load(dir);
        Map<String, Object> modelConfig = new java.util.LinkedHashMap<>(c.config());
        modelConfig.remove("quantization_config");
        BnbCheckpoint.save(tmp, modelConfig, c.quantization(), c.quantized(), c.tensors());
        try (SafetensorsFile a = Safetensors.read(dir.resolve("model.safetensors"));
             SafetensorsFile b = Safetensors.read(tmp.resolve("model.safetensors"))) {
            assertThat(b.names()).containsExactlyInAnyOrderElementsOf(a.names());
            for (String n : a.names()) {
                assertThat(b.dtype(n)).as(n).isEqualTo(a.dtype(n));
                assertThat(b.shape(n)).as(n).isEqualTo(a.shape(n));
                assertThat(b.bytes(n).toArray(ValueLayout.JAVA_BYTE)).as(n).isEqualTo(a.bytes(n).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        BnbCheckpoint.Contents again = BnbCheckpoint.load(tmp);
        assertThat(again.quantization()).isEqualTo(c.quantization());
        assertThat(again.config().get("quantization_config")).isEqualTo(c.config().get("quantization_config"));
        assertThat(again.quantized().get(Q).dequantize()).isEqualTo(c.quantized().get(Q).dequantize());
    }

    /** The NF4 fixture split into two shards plus an index, as transformers' save_pretrained shards a large model. */
    static Path sharded(Path tmp, boolean dropOneFromItsShard) throws Exception {
        Path src = fixture("bnb_llama_nf4_dq");
        Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
        RawSafetensorsWriter[] shards = {new RawSafetensorsWriter(), new RawSafetensorsWriter()};
        Map<String, Object> weightMap = new java.util.TreeMap<>();
        try (SafetensorsFile f = Safetensors.read(src.resolve("model.safetensors"))) {
            int i = 0;
            for (String n : f.names()) {
                int shard = i++ % 2;
                weightMap.put(n, String.format("model-%05d-of-00002.safetensors", shard + 1));
                if (dropOneFromItsShard && n.equals(Q)) continue;
                shards[shard].add(n, f.dtype(n), java.util.Arrays.stream(f.shape(n)).asLongStream().toArray(),
                        f.bytes(n).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        for (int s = 0; s < 2; s++) shards[s].write(tmp.resolve(String.format("model-%05d-of-00002.safetensors", s + 1)), null);
        Files.writeString(tmp.resolve("model.safetensors.index.json"),
                cortado.data.json.Json.write(Map.of("metadata", Map.of(), "weight_map", weightMap)));
        return tmp;
    }

    @Test
    void loadsShardsThroughTheSameIndexReadingAsHfCheckpoint(@TempDir Path tmp) throws Exception {
        BnbCheckpoint.Contents whole = BnbCheckpoint.load(fixture("bnb_llama_nf4_dq"));
        BnbCheckpoint.Contents split = BnbCheckpoint.load(sharded(tmp, false));
        assertThat(split.quantized().keySet()).containsExactlyInAnyOrderElementsOf(whole.quantized().keySet());
        for (String n : whole.quantized().keySet())
            assertThat(split.quantized().get(n).dequantize()).as(n).isEqualTo(whole.quantized().get(n).dequantize());
        assertThat(split.tensors().keySet()).containsExactlyInAnyOrderElementsOf(whole.tensors().keySet());
    }

    @Test
    void aShardMissingWhatTheIndexPromisesIsNamed(@TempDir Path tmp) throws Exception {
        Path dir = sharded(tmp, true);
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("has no tensor '" + Q + "' although model.safetensors.index.json says so");
    }

    @Test
    void pythonReprOfOffsets() {
        assertThat(BnbCheckpoint.pythonRepr(0.05129938945174217)).isEqualTo("0.05129938945174217");
        assertThat(BnbCheckpoint.pythonRepr(1e-05)).isEqualTo("1e-05");
        assertThat(BnbCheckpoint.pythonRepr(0.0001)).isEqualTo("0.0001");
        assertThat(BnbCheckpoint.pythonRepr(-2.5e-07)).isEqualTo("-2.5e-07");
        assertThat(BnbCheckpoint.pythonRepr(3.0)).isEqualTo("3.0");
        assertThat(BnbCheckpoint.pythonRepr(1e16)).isEqualTo("1e+16");
        assertThat(BnbCheckpoint.pythonRepr(123.25)).isEqualTo("123.25");
    }

    // ------------------------------------------------------------------------------------------- Must-show 6

    /** Copies the NF4 fixture to {@code tmp}, passing every tensor through {@code edit} (null drops it). */
    static Path broken(Path tmp, BiFunction<String, byte[], byte[]> edit, Map<String, long[]> reshape) throws Exception {
        Path src = fixture("bnb_llama_nf4_dq");
        Files.copy(src.resolve("config.json"), tmp.resolve("config.json"));
        RawSafetensorsWriter w = new RawSafetensorsWriter();
        try (SafetensorsFile f = Safetensors.read(src.resolve("model.safetensors"))) {
            for (String n : f.names()) {
                byte[] data = edit.apply(n, f.bytes(n).toArray(ValueLayout.JAVA_BYTE));
                if (data == null) continue;
                long[] shape = reshape.get(n);
                if (shape == null) shape = java.util.Arrays.stream(f.shape(n)).asLongStream().toArray();
                w.add(n, f.dtype(n), shape, data);
            }
        }
        w.write(tmp.resolve("model.safetensors"), null);
        return tmp;
    }

    @Test
    void missingQuantStateNamesTheTensor(@TempDir Path tmp) throws Exception {
        Path dir = broken(tmp, (n, b) -> n.equals(Q + ".quant_state.bitsandbytes__nf4") ? null : b, Map.of());
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("model.safetensors").hasMessageContaining("tensor '" + Q + "'")
                .hasMessageContaining("quant state").hasMessageContaining("missing");
    }

    @Test
    void missingAbsmaxNamesTheTensor(@TempDir Path tmp) throws Exception {
        Path dir = broken(tmp, (n, b) -> n.equals(Q + ".nested_absmax") ? null : b, Map.of());
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor '" + Q + "'").hasMessageContaining(Q + ".nested_absmax' is missing");
    }

    @Test
    void unsupportedBlocksizeNamesTheTensorAndValue(@TempDir Path tmp) throws Exception {
        Path dir = broken(tmp, (n, b) -> n.equals(Q + ".quant_state.bitsandbytes__nf4")
                ? new String(b, StandardCharsets.UTF_8).replace("\"blocksize\": 64", "\"blocksize\": 48").getBytes(StandardCharsets.UTF_8)
                : b, Map.of());
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor '" + Q + "'").hasMessageContaining("unsupported 4-bit blocksize 48");
    }

    @Test
    void packedSizeNotMatchingShapeNamesTheTensor(@TempDir Path tmp) throws Exception {
        Path dir = broken(tmp, (n, b) -> n.equals(Q) ? java.util.Arrays.copyOf(b, b.length - 2) : b,
                Map.of(Q, new long[] {2046, 1}));
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor '" + Q + "'")
                .hasMessageContaining("packed 4-bit data holds 2046 bytes but quant_state shape [64, 64] needs 2048");
    }

    @Test
    void orphanStateAndWrongCodeBookAreRefused(@TempDir Path tmp) throws Exception {
        List<String> dropped = new ArrayList<>();
        Path dir = broken(tmp, (n, b) -> {
            if (n.equals(Q) || n.equals(Q + ".quant_state.bitsandbytes__nf4")) { dropped.add(n); return null; }
            return b;
        }, Map.of());
        assertThat(dropped).hasSize(2);
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("is quantization state of '" + Q + "'");

        Path dir2 = Files.createDirectories(tmp.resolve("codebook"));
        broken(dir2, (n, b) -> { if (n.equals(Q + ".quant_map")) b[5] ^= 1; return b; }, Map.of());
        assertThatThrownBy(() -> BnbCheckpoint.load(dir2)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor '" + Q + "'").hasMessageContaining("quant_map[1]");
    }

    @Test
    void configWithoutFourBitIsRefused(@TempDir Path tmp) throws Exception {
        Path dir = broken(tmp, (n, b) -> b, Map.of());
        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"bnb_4bit_quant_type\": \"nf4\"", "\"bnb_4bit_quant_type\": \"int3\""));
        assertThatThrownBy(() -> BnbCheckpoint.load(dir)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("config.json").hasMessageContaining("bnb_4bit_quant_type").hasMessageContaining("int3");
    }

    @Test
    void plainTensorsComeBackAsFloat() throws Exception {
        BnbCheckpoint.Contents c = BnbCheckpoint.load(fixture("bnb_llama_fp4"));
        Tensor emb = c.tensors().get("model.embed_tokens.weight");
        assertThat(emb.shape()).containsExactly(96, 64);
    }
}
