package cortado.train;

import cortado.nn.models.ModelConfig;
import cortado.nn.models.gpt2.Gpt2Config;
import cortado.nn.models.llama.LlamaConfig;
import cortado.peft.lora.LoraTuner;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameters versus tokens before a run: what a model of a config costs to train, computed from the config alone.
 *
 * <ul>
 *   <li>Parameters from {@link ParameterShapes} (a tied head counted once), embeddings apart.</li>
 *   <li>Memory per {@link Precision} (the dtype of weights, gradients and activations; there is no fp32 master copy in
 *   bf16, add 4 bytes per trainable parameter for one): weights; gradients of the trainable parameters; optimizer
 *   state, AdamW's two fp32 moments (8 bytes per trainable parameter) or bitsandbytes' 8-bit blockwise moments (2 bytes
 *   per element plus two fp32 absmax per block of 256, fp32 moments under 4096 elements: {@link AdamW8bit}); and
 *   activations. Full: everything trains. LoRA: the base is frozen, only the adapters (rank r on PEFT's default
 *   targets) have gradients and state. QLoRA: LoRA over a base whose block matrices are NF4 with double quantization,
 *   4 + 8/64 + 32/(64·256) = 4.127 bits per weight (Dettmers et al. 2023, section 2); the rest keeps the precision.</li>
 *   <li>Activations kept for backward, per layer, counted tensor by tensor as Korthikanti et al. 2022 ("Reducing
 *   Activation Recomputation in Large Transformer Models", section 4.1) do, without dropout and without tensor or
 *   sequence parallelism, generalized to grouped-query attention and gated MLPs: for GPT-2 that is
 *   (16·s·b·h + a·s²·b) elements, their 34·s·b·h + 5·a·s²·b bytes in fp16 with dropout masks; here in elements times
 *   the precision's bytes. With fused attention (FlashAttention-2, as Cortado's kernel) the a·s²·b probabilities are
 *   recomputed in backward and only a·s·b log-sum-exps are kept. Embeddings, the final norm and the logits (Cortado
 *   fuses the head with the loss) are not counted.</li>
 *   <li>Training compute: 6·N·D (Kaplan et al. 2020: 2N forward, 4N backward per token), with N all parameters,
 *   embeddings included, as Hoffmann et al. 2022 count them; with attention, 6N + 12·L·T·d per token (PaLM, Chowdhery
 *   et al. 2022, appendix B: QKᵀ and AV, forward and backward, d = heads x head dim). Frozen weights need no weight
 *   gradient, so LoRA costs 4N + 6·(adapter parameters) per token.</li>
 *   <li>Chinchilla's compute-optimal data: about 20 tokens per parameter (Hoffmann et al. 2022).</li>
 * </ul>
 */
public final class Plan {
    /** What trains. */
    public enum Method {
        FULL("full"), LORA("lora"), QLORA("qlora");

        private final String cliName;

        Method(String cliName) { this.cliName = cliName; }

        public String cliName() { return cliName; }

        public static Method parse(String name) {
            for (Method m : values()) if (m.cliName.equals(name)) return m;
            throw new IllegalArgumentException("unknown method '" + name + "' (full, lora, qlora)");
        }
    }

    /** The dtype of weights, gradients and activations. */
    public enum Precision {
        FP32("fp32", 4), BF16("bf16", 2);

        private final String cliName;
        private final int bytes;

        Precision(String cliName, int bytes) {
            this.cliName = cliName;
            this.bytes = bytes;
        }

        public String cliName() { return cliName; }

        public int bytes() { return bytes; }
    }

    /** A published training run, for scale. */
    public record Reference(String name, double parameters, double tokens) {
        public double flops() { return 6 * parameters * tokens; }

        public double tokensPerParameter() { return tokens / parameters; }
    }

    /** GPT-3 (Brown et al. 2020, table D.1: 3.14e23 FLOPs), Chinchilla and Llama 2 7B (Touvron et al. 2023). */
    public static final List<Reference> REFERENCES = List.of(
            new Reference("GPT-3 175B", 175e9, 300e9),
            new Reference("Chinchilla 70B", 70e9, 1.4e12),
            new Reference("Llama 2 7B", 6_738_415_616.0, 2e12));

    /** NF4 with double quantization: 4-bit codes, an 8-bit absmax per 64 weights, an fp32 absmax per 256 of those. */
    public static final double NF4_BITS_PER_WEIGHT = 4 + 8.0 / 64 + 32.0 / (64 * 256);
    /** Blocksizes of QLoRA's NF4 (Dettmers et al. 2023) and of the second quantization of its absmax. */
    static final int NF4_BLOCK = 64, NF4_ABSMAX_BLOCK = 256;

    /** Hoffmann et al. 2022: compute-optimal training uses about 20 tokens per parameter. */
    public static final int CHINCHILLA_TOKENS_PER_PARAMETER = 20;

    /** PEFT's default LoRA rank. */
    public static final int DEFAULT_RANK = 8;

    private final ModelConfig config;
    private final ParameterShapes shapes;
    private final Method method;
    private final int rank;
    private final List<String> targets;
    private final List<long[]> adapterTensors = new ArrayList<>();   // {numel} per LoRA A and B
    private final int batch, seq;
    private final long tokens;

    private Plan(ModelConfig config, Method method, int rank, List<Long> trainableTensors, int batch, int seq,
                 long tokens) {
        if (batch < 1 || seq < 1) throw new IllegalArgumentException("batch and seq must be >= 1");
        if (method != Method.FULL && trainableTensors == null && rank < 1)
            throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
        this.config = config;
        this.shapes = ParameterShapes.of(config);
        this.method = method;
        this.rank = trainableTensors == null ? rank : 0;
        this.batch = batch;
        this.seq = seq;
        if (trainableTensors != null) {   // what a run's adapters hold, counted on the model itself
            this.targets = List.of();
            for (long n : trainableTensors) adapterTensors.add(new long[] {n});
        } else {
            this.targets = method == Method.FULL ? List.of() : new LoraTuner().defaultTargets().get(config.modelType());
            for (ParameterShapes.Entry e : shapes.entries()) {
                if (e.part() != ParameterShapes.Part.BLOCK_MATRIX || !targets.contains(leaf(e.module()))) continue;
                adapterTensors.add(new long[] {(long) rank * e.in()});    // lora_A [r, in]
                adapterTensors.add(new long[] {e.out() * rank});          // lora_B [out, r]
            }
        }
        this.tokens = tokens > 0 ? tokens : chinchillaTokens();
    }

    /**
     * @param rank   LoRA's r (ignored for full)
     * @param tokens training tokens D; 0 or less: Chinchilla's 20 per parameter
     */
    public static Plan of(ModelConfig config, Method method, int rank, int batch, int seq, long tokens) {
        return new Plan(config, method, rank, null, batch, seq, tokens);
    }

    /**
     * The plan of a run whose trainable tensors over a frozen (LORA) or NF4 (QLORA) base are known: the element
     * counts of each (any PEFT method's); their activations are not estimated.
     */
    public static Plan withTrainable(ModelConfig config, Method method, List<Long> trainableTensors, int batch, int seq,
                                     long tokens) {
        if (method == Method.FULL) throw new IllegalArgumentException("full training trains every parameter");
        return new Plan(config, method, 0, List.copyOf(trainableTensors), batch, seq, tokens);
    }

    private static String leaf(String module) { return module.substring(module.lastIndexOf('.') + 1); }

    public ModelConfig config() { return config; }

    public ParameterShapes shapes() { return shapes; }

    public Method method() { return method; }

    public int rank() { return rank; }

    /** The module names LoRA adapts (PEFT's defaults for the family); empty for full. */
    public List<String> targets() { return targets; }

    public int batch() { return batch; }

    public int seq() { return seq; }

    /** Training tokens D. */
    public long tokens() { return tokens; }

    // ---- parameters ----

    /** Every parameter of the model (a tied head once), without adapters. */
    public long parameters() { return shapes.total(); }

    /** Token (and position) embeddings. */
    public long embeddingParameters() { return shapes.count(ParameterShapes.Part.EMBEDDING); }

    /** An untied head; 0 when tied. */
    public long headParameters() { return shapes.count(ParameterShapes.Part.HEAD); }

    /** Everything in the blocks: matrices, norms and biases. */
    public long blockParameters() {
        return shapes.count(ParameterShapes.Part.BLOCK_MATRIX) + shapes.count(ParameterShapes.Part.BLOCK_OTHER);
    }

    /** The blocks' linear weights: what NF4 quantizes. */
    public long blockMatrixParameters() { return shapes.count(ParameterShapes.Part.BLOCK_MATRIX); }

    public long finalNormParameters() { return shapes.count(ParameterShapes.Part.FINAL_NORM); }

    /** LoRA's A and B over every target (0 for full). */
    public long adapterParameters() {
        long n = 0;
        for (long[] t : adapterTensors) n += t[0];
        return n;
    }

    /** The parameters that train: all of them, or the adapters. */
    public long trainableParameters() { return method == Method.FULL ? parameters() : adapterParameters(); }

    public int layers() {
        return switch (config) {
            case Gpt2Config c -> c.nLayer();
            case LlamaConfig c -> c.numHiddenLayers();
            default -> throw new IllegalStateException();
        };
    }

    public int hidden() {
        return switch (config) {
            case Gpt2Config c -> c.nEmbd();
            case LlamaConfig c -> c.hiddenSize();
            default -> throw new IllegalStateException();
        };
    }

    public int heads() {
        return switch (config) {
            case Gpt2Config c -> c.nHead();
            case LlamaConfig c -> c.numAttentionHeads();
            default -> throw new IllegalStateException();
        };
    }

    /** d_attn = heads x head dim (the width of Q; n_embd for GPT-2). */
    public long attentionWidth() {
        return switch (config) {
            case Gpt2Config c -> c.nEmbd();
            case LlamaConfig c -> (long) c.numAttentionHeads() * c.headDim();
            default -> throw new IllegalStateException();
        };
    }

    // ---- memory, bytes ----

    /** The model's weights (and the adapters): at the precision, or for QLoRA NF4 block matrices. */
    public long weightBytes(Precision p) {
        long adapters = adapterParameters() * p.bytes();
        if (method != Method.QLORA) return parameters() * p.bytes() + adapters;
        long nf4 = 0;
        for (ParameterShapes.Entry e : shapes.entries())
            if (e.part() == ParameterShapes.Part.BLOCK_MATRIX) nf4 += nf4Bytes(e.numel());
        return nf4 + (parameters() - blockMatrixParameters()) * p.bytes() + adapters;
    }

    /**
     * One matrix in NF4 with double quantization: packed 4-bit codes, one 8-bit code per block of 64 for its absmax,
     * and one fp32 absmax per 256 of those blocks.
     */
    public static long nf4Bytes(long n) {
        long blocks = ceilDiv(n, NF4_BLOCK);
        return ceilDiv(n, 2) + blocks + 4 * ceilDiv(blocks, NF4_ABSMAX_BLOCK);
    }

    /** Gradients of the trainable parameters. */
    public long gradientBytes(Precision p) { return trainableParameters() * p.bytes(); }

    /** AdamW's exp_avg and exp_avg_sq, fp32, for every trainable parameter. */
    public long adamWBytes() { return 8 * trainableParameters(); }

    /** AdamW8bit's state ({@link AdamW8bit}): per tensor 2 bytes per element and 8 per block of 256, or fp32 when small. */
    public long adamW8bitBytes() {
        long b = 0;
        if (method == Method.FULL) for (ParameterShapes.Entry e : shapes.entries()) b += adam8bitBytes(e.numel());
        else for (long[] t : adapterTensors) b += adam8bitBytes(t[0]);
        return b;
    }

    private static long adam8bitBytes(long n) {
        return n >= AdamW8bit.MIN_8BIT_SIZE ? 2 * n + 8 * ceilDiv(n, 256) : 8 * n;
    }

    /**
     * Elements one block keeps for backward at batch b and sequence s (Korthikanti et al. 2022, section 4.1, counted
     * tensor by tensor): the two norms' inputs (2·s·b·h); attention's input, Q, K, V and the output projection's input
     * (s·b·(h + 2q + 2kv), 5·s·b·h for multi-head attention) and the a·s²·b probabilities, or with fused attention
     * a·s·b log-sum-exps; the MLP's input and its inner tensors (GELU's input and the second linear's input, 2·s·b·ff;
     * a gated MLP keeps the gate, SiLU(gate), up and their product, 4·s·b·ff); LoRA adds each adapter's s·b·r middle.
     */
    public long activationElementsPerLayer(boolean fusedAttention) {
        long sb = (long) seq * batch, h = hidden(), a = heads(), q = attentionWidth();
        long kv, ff, inner;
        switch (config) {
            case Gpt2Config c -> { kv = c.nEmbd(); ff = c.nInner(); inner = 2; }
            case LlamaConfig c -> { kv = (long) c.numKeyValueHeads() * c.headDim(); ff = c.intermediateSize(); inner = 4; }
            default -> throw new IllegalStateException();
        }
        long norms = 2 * sb * h;
        long attention = sb * (h + 2 * q + 2 * kv) + (fusedAttention ? a * sb : a * seq * sb);
        long mlp = sb * h + inner * sb * ff;
        long lora = rank == 0 ? 0 : (long) adapterTensors.size() / 2 / layers() * sb * rank;
        return norms + attention + mlp + lora;
    }

    /** Activations of all layers at the precision. */
    public long activationBytes(Precision p, boolean fusedAttention) {
        return activationElementsPerLayer(fusedAttention) * layers() * p.bytes();
    }

    /**
     * With activation checkpointing (Korthikanti et al.'s full recomputation): every block's input, s·b·h each, plus
     * one block's activations while it is recomputed in backward.
     */
    public long checkpointedActivationBytes(Precision p, boolean fusedAttention) {
        return ((long) seq * batch * hidden() * layers() + activationElementsPerLayer(fusedAttention)) * p.bytes();
    }

    /** Weights, gradients, AdamW (fp32 or 8-bit state) and activations (fused attention). */
    public long totalBytes(Precision p, boolean eightBitOptimizer) {
        return weightBytes(p) + gradientBytes(p) + (eightBitOptimizer ? adamW8bitBytes() : adamWBytes())
                + activationBytes(p, true);
    }

    // ---- compute ----

    /** Training FLOPs per token without attention: 6N, or 4N + 6·adapters when the base is frozen. */
    public double flopsPerToken() {
        return method == Method.FULL ? 6.0 * parameters() : 4.0 * parameters() + 6.0 * adapterParameters();
    }

    /** PaLM's attention term per token: 12·L·T·d (QKᵀ and AV, forward and backward). */
    public double attentionFlopsPerToken() { return 12.0 * layers() * seq * attentionWidth(); }

    /** 6·N·D (full), the count every scaling paper uses. */
    public double trainingFlops() { return flopsPerToken() * tokens; }

    /** (6N + 12·L·T·d)·D. */
    public double trainingFlopsWithAttention() { return (flopsPerToken() + attentionFlopsPerToken()) * tokens; }

    /** Chinchilla's compute-optimal tokens: 20·N. */
    public long chinchillaTokens() { return CHINCHILLA_TOKENS_PER_PARAMETER * parameters(); }

    /** Optimizer updates {@link #tokens} make at {@code tokensPerStep}. */
    public long steps(long tokensPerStep) { return ceilDiv(tokens, tokensPerStep); }

    private static long ceilDiv(long a, long b) { return (a + b - 1) / b; }

}
