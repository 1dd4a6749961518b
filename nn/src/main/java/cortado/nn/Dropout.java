package cortado.nn;

import cortado.autograd.F;
import cortado.tensor.Tensor;

/**
 * torch.nn.Dropout: in training mode each element is zeroed with probability p and the rest scaled by 1/(1-p)
 * (inverted dropout, Srivastava et al. 2014); in eval mode the identity. The mask is a pure function of
 * (seed, step, site, element): the seed and the site (a hash of this layer's dotted path) come from
 * {@link Module#seedDropout}, the step counts this layer's training calls and can be set with
 * {@link Module#dropoutStep} (the trainer sets it from its step, so a resumed run draws the same masks). The same
 * masks come out on any thread count, and activation checkpointing replays them ({@link DropoutState}).
 */
public final class Dropout extends Module implements Layer {
    private final float p;
    private long seed, site, step;

    public Dropout(float p) {
        if (!(p >= 0f && p < 1f)) throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        this.p = p;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0f) return x;
        return F.dropout(x, p, key(seed, site, step++));
    }

    public float p() { return p; }

    /** The step the next training call draws its mask for. */
    public long step() { return step; }

    void seed(long seed, long site) {
        this.seed = seed;
        this.site = site;
        this.step = 0;
    }

    void setStep(long step) { this.step = step; }

    /** The kernel's 64-bit key of (seed, site, step): SplitMix64's finalizer (Steele et al. 2014) chained over the three. */
    static long key(long seed, long site, long step) { return mix(seed ^ mix(site ^ mix(step))); }

    /** A site id from a dotted path: FNV-1a over its characters, then mixed. */
    static long site(String path) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < path.length(); i++) h = (h ^ path.charAt(i)) * 0x100000001b3L;
        return mix(h);
    }

    private static long mix(long z) {
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
