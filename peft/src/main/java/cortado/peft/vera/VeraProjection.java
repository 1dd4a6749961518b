package cortado.peft.vera;

import cortado.nn.Parameter;
import cortado.tensor.Backend;

/**
 * VeRA's shared frozen matrices of one adapter, PEFT's {@code VeraModel.vera_A} / {@code vera_B} buffers:
 * {@code A [r, in_max]} and {@code B [out_max, r]}, drawn by {@code _kaiming_init} from torch's generator seeded with
 * {@code projection_prng_key} (A first, then B; each uniform in ±sqrt(6 / fan_in), fan_in its second dimension).
 * They are buffers, not parameters: never trained and not counted, but saved and loaded when save_projection is on.
 */
public record VeraProjection(Parameter a, Parameter b) {
    public static VeraProjection draw(Backend be, int r, int inMax, int outMax, long key) {
        TorchGenerator g = new TorchGenerator(key);
        float[] a = g.uniform(r * inMax, -bound(inMax), bound(inMax));
        float[] b = g.uniform(outMax * r, -bound(r), bound(r));
        Parameter pa = new Parameter(be.fromArray(a, r, inMax)), pb = new Parameter(be.fromArray(b, outMax, r));
        pa.setTrainable(false);
        pb.setTrainable(false);
        return new VeraProjection(pa, pb);
    }

    /** {@code sqrt(3) · gain / sqrt(fan)} with gain sqrt(2), as {@code _kaiming_init}. */
    private static double bound(int fan) { return Math.sqrt(3.0) * (Math.sqrt(2) / Math.sqrt(fan)); }
}
