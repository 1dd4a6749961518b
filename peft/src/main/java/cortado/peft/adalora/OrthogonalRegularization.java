package cortado.peft.adalora;

import cortado.autograd.F;
import cortado.nn.Parameter;
import cortado.tensor.Backend;
import cortado.tensor.Tensor;
import java.util.Map;

/**
 * AdaLoRA's orthogonal regularization, peft's {@code AdaLoraModel.forward} (Zhang et al. 2023, eq. 4):
 * {@code R = mean over the adapter's A and B of ||A A^T - I||_F and ||B^T B - I||_F}, added to the task loss times
 * {@code orth_reg_weight} so P and Q stay near orthogonal (the SVD form's singular vectors). Through autograd ops:
 * its gradient reaches A and B.
 */
public final class OrthogonalRegularization {
    private OrthogonalRegularization() {}

    /** R over the lora_A / lora_B tensors of {@code params} whose names carry {@code adapter}; null when none. */
    public static Tensor of(Map<String, Parameter> params, String adapter) {
        Tensor sum = null;
        int count = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            String n = e.getKey();
            boolean a = n.contains("lora_A"), b = n.contains("lora_B");
            if (!(a || b) || !n.contains(adapter)) continue;
            Tensor p = e.getValue().value();
            Tensor cov = a ? F.matmul(p, p, false, true) : F.matmul(p, p, true, false);   // [r, r]
            Tensor d = F.sub(cov, eye(p.backend(), cov.size(0)));
            // torch.norm(p="fro") = sqrt(Σ d²), as exp(log(·)/2): F has no sqrt; d is never exactly zero here
            Tensor fro = F.exp(F.scale(F.log(F.sum(F.mul(d, d))), 0.5f));
            sum = sum == null ? fro : F.add(sum, fro);
            count++;
        }
        return sum == null ? null : F.scale(sum, 1f / count);
    }

    /** {@code task + orth_reg_weight · R} (the task loss unchanged when the adapter has no A or B or the weight is 0). */
    public static Tensor addTo(Tensor task, Map<String, Parameter> params, String adapter, double weight) {
        if (weight == 0) return task;
        Tensor r = of(params, adapter);
        return r == null ? task : F.add(task, F.scale(r, (float) weight));
    }

    private static Tensor eye(Backend be, int n) {
        float[] d = new float[n * n];
        for (int i = 0; i < n; i++) d[i * n + i] = 1f;
        return be.fromArray(d, n, n);
    }
}
