package cortado.peft.lora;

import cortado.tensor.linalg.HouseholderQr;

/**
 * OLoRA (Büyükakyüz 2024, "OLoRA: Orthonormal Low-Rank Adaptation"), as peft 0.21's {@code LoraLayer.olora_init}:
 * {@code W = Q R} (reduced QR, torch.linalg.qr's signs), {@code B = Q[:, :r]}, {@code A = R[:r]}, and the base keeps
 * {@code W - scaling · B A}.
 */
final class OloraInit {
    private OloraInit() {}

    /** {@code w} row-major {@code [out, in]}. */
    static LowRankStart of(float[] w, int out, int in, int r, double scaling) {
        int k = Math.min(out, in);
        if (r > k) throw new IllegalArgumentException("olora needs r <= min(out, in) = " + k + ", got r = " + r);
        double[] wd = new double[w.length];
        for (int i = 0; i < w.length; i++) wd[i] = w[i];
        HouseholderQr qr = HouseholderQr.of(wd, out, in);
        float[] a = new float[r * in], b = new float[out * r];
        for (int c = 0; c < r; c++) for (int j = 0; j < in; j++) a[c * in + j] = (float) qr.r()[c * in + j];
        for (int i = 0; i < out; i++) for (int c = 0; c < r; c++) b[i * r + c] = (float) qr.q()[i * k + c];
        return new LowRankStart(a, b, PissaInit.residual(w, a, b, out, in, r, scaling));
    }
}
