package cortado.nn;

/**
 * The rotary embedding variants of Hugging Face's {@code modeling_rope_utils.py} (transformers 5), each computing its
 * inverse frequencies the way transformers does in float32, operation by operation, so positions agree to the last bit
 * that matters. Conventions mirrored: {@code a / tensor} is torch's {@code reciprocal(tensor) * a} (two roundings),
 * Python numbers meeting a float32 tensor are rounded to float32 first, and {@code base ** (2i / dim)} is a float32
 * power of a float32 exponent. {@code dim} is the rotated width (head_dim; partial rotation is not supported).
 */
public sealed interface RopeScaling {

    /** rope_theta: the base wavelength. */
    double theta();

    /** Inverse frequencies for a forward pass of {@code seqLen} positions (only {@link Dynamic} looks at it). */
    float[] inverseFrequencies(int dim, int seqLen);

    /** The factor cos and sin are multiplied by (transformers' {@code attention_scaling}). */
    default double attentionFactor() { return 1.0; }

    /** Hugging Face's rope_type name. */
    String type();

    /** {@code compute_default_rope_parameters}: {@code 1 / base^(2i/dim)}. */
    record Default(double theta) implements RopeScaling {
        @Override public float[] inverseFrequencies(int dim, int seqLen) { return reciprocal(powers((float) theta, dim)); }

        @Override public String type() { return "default"; }
    }

    /** {@code _compute_linear_scaling_rope_parameters} (kaiokendev's position interpolation): inv_freq / factor. */
    record Linear(double theta, double factor) implements RopeScaling {
        @Override
        public float[] inverseFrequencies(int dim, int seqLen) {
            float[] f = reciprocal(powers((float) theta, dim));
            for (int i = 0; i < f.length; i++) f[i] /= (float) factor;
            return f;
        }

        @Override public String type() { return "linear"; }
    }

    /**
     * {@code _compute_dynamic_ntk_parameters} (dynamic NTK, bloc97 and emozilla): for a sequence of {@code seqLen}
     * positions beyond {@code maxPositions}, base' = base * (factor * seqLen / maxPositions - (factor - 1))^(dim/(dim-2)).
     * At construction transformers evaluates it in double with seqLen = max_position_embeddings (where it is the plain
     * base); when a forward pass grows past that, {@code dynamic_rope_update} re-evaluates it on a float32 tensor: both
     * paths are mirrored here.
     */
    record Dynamic(double theta, double factor, int maxPositions) implements RopeScaling {
        @Override
        public float[] inverseFrequencies(int dim, int seqLen) {
            if (seqLen <= maxPositions) {
                double base = theta * Math.pow(factor * maxPositions / maxPositions - (factor - 1), (double) dim / (dim - 2));
                return reciprocal(powers((float) base, dim));
            }
            float ratio = (float) factor * (float) seqLen / (float) maxPositions - (float) (factor - 1);
            float base = (float) theta * (float) Math.pow(ratio, (float) ((double) dim / (dim - 2)));
            return reciprocal(powers(base, dim));
        }

        @Override public String type() { return "dynamic"; }
    }

    /**
     * {@code _compute_llama3_parameters} (Llama 3.1): wavelengths shorter than original / high_freq_factor are kept,
     * longer than original / low_freq_factor divided by factor, and those between blended smoothly.
     */
    record Llama3(double theta, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
            implements RopeScaling {
        @Override
        public float[] inverseFrequencies(int dim, int seqLen) {
            float[] inv = reciprocal(powers((float) theta, dim));
            float lowWavelen = (float) (originalMaxPositions / lowFreqFactor);
            float highWavelen = (float) (originalMaxPositions / highFreqFactor);
            float f = (float) factor, old = (float) originalMaxPositions, low = (float) lowFreqFactor;
            float span = (float) (highFreqFactor - lowFreqFactor);
            float[] out = new float[inv.length];
            for (int i = 0; i < inv.length; i++) {
                float wavelen = (1f / inv[i]) * (float) (2 * Math.PI);
                float scaled = wavelen > lowWavelen ? inv[i] / f : inv[i];
                float smooth = ((1f / wavelen) * old - low) / span;
                float smoothed = (1f - smooth) * scaled / f + smooth * scaled;
                boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
                out[i] = medium ? smoothed : scaled;
            }
            return out;
        }

        @Override public String type() { return "llama3"; }
    }

    /**
     * {@code _compute_yarn_parameters} (Peng et al. 2023, YaRN): a linear ramp between extrapolated (plain) and
     * interpolated (divided by factor) frequencies over the dimensions whose rotation counts at the original context
     * lie between beta_slow and beta_fast, and cos/sin scaled by the attention factor (0.1 ln(factor) + 1 by default,
     * or the ratio of the mscale and mscale_all_dim forms).
     *
     * @param explicitAttentionFactor config's attention_factor, or null to derive it
     * @param mscale mscale, 0 when absent
     * @param mscaleAllDim mscale_all_dim, 0 when absent
     */
    record Yarn(double theta, double factor, int originalMaxPositions, Double explicitAttentionFactor, double betaFast,
                double betaSlow, double mscale, double mscaleAllDim, boolean truncate) implements RopeScaling {
        @Override
        public float[] inverseFrequencies(int dim, int seqLen) {
            float[] pos = powers((float) theta, dim);
            double low = correctionDim(betaFast, dim), high = correctionDim(betaSlow, dim);
            if (truncate) {
                low = Math.floor(low);
                high = Math.ceil(high);
            }
            low = Math.max(low, 0);
            high = Math.min(high, dim - 1);
            if (low == high) high += 0.001; // transformers' guard against a zero-width ramp
            float lo = (float) low, width = (float) (high - low), f = (float) factor;
            float[] out = new float[pos.length];
            for (int i = 0; i < pos.length; i++) {
                float extrapolation = 1f / pos[i], interpolation = 1f / (f * pos[i]);
                float ramp = Math.min(1f, Math.max(0f, ((float) i - lo) / width));
                float extrapolationFactor = 1f - ramp;
                out[i] = interpolation * (1f - extrapolationFactor) + extrapolation * extrapolationFactor;
            }
            return out;
        }

        /** find_correction_dim: the dimension whose wavelength turns {@code rotations} times in the original context. */
        private double correctionDim(double rotations, int dim) {
            return (dim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
        }

        @Override
        public double attentionFactor() {
            if (explicitAttentionFactor != null) return explicitAttentionFactor;
            if (mscale != 0 && mscaleAllDim != 0) return mscale(factor, mscale) / mscale(factor, mscaleAllDim);
            return mscale(factor, 1);
        }

        private static double mscale(double scale, double m) { return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0; }

        @Override public String type() { return "yarn"; }
    }

    /** {@code base ** (arange(0, dim, 2).float() / dim)} in float32: the exponent a float32 quotient, the power rounded. */
    private static float[] powers(float base, int dim) {
        if (dim <= 0 || dim % 2 != 0) throw new IllegalArgumentException("rotary embedding needs an even dim, got " + dim);
        float[] p = new float[dim / 2];
        for (int i = 0; i < p.length; i++) p[i] = (float) Math.pow(base, (float) (2 * i) / (float) dim);
        return p;
    }

    /** torch's {@code 1.0 / t}: {@code reciprocal(t) * 1.0}. */
    private static float[] reciprocal(float[] p) {
        float[] r = new float[p.length];
        for (int i = 0; i < p.length; i++) r[i] = 1f / p[i];
        return r;
    }
}
