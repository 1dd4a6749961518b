package cortado.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import cortado.data.json.Json;
import cortado.nn.Parameter;
import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SGD (plain, momentum with dampening, Nesterov), LAMB, Lion and Adafactor against torch.optim.SGD, timm's Lamb and
 * Lion and transformers' Adafactor over four steps (tools/train/make_optimizer_golden.py): a matrix w [4, 5] and a
 * 3-D e [2, 3, 4] (decayed; Adafactor factors both, e as two 3 x 4 matrices) and a vector b [5] (not decayed, and
 * unfactored in Adafactor), gradients read through a grad scale, and parameter groups with their own lr scale and
 * decay.
 */
class OptimizerParityTest {
    /**
     * Both sides compute in float32 from the same float32 inputs, but in a different order (torch's vectorized loops
     * and float norms, Cortado's fused kernels with double norms and sums): after four steps the parameters, of order
     * 1, agree to a few ulps (at most 4.8e-7 seen; Lion's exactly). 1e-6 is about 8 ulps at 1; an error in a formula
     * (a sign, a missing bias correction, a row mean taken over columns) moves them by lr-sized amounts, 1e-4 and more.
     */
    static final float TOLERANCE = 1e-6f;

    @Test
    void everyCaseMatchesItsReference() throws IOException {
        Map<String, Object> golden = golden("/golden/optimizers.json");
        List<?> cases = (List<?>) golden.get("cases");
        assertThat(cases).hasSize(12);
        for (Object c : cases) check(golden, (Map<?, ?>) c, Backends.cpu());
    }

    /** The off-heap backend runs the same kernels over native memory: the same numbers. */
    @Test
    void theOffHeapBackendMatchesToo() throws IOException {
        Map<String, Object> golden = golden("/golden/optimizers.json");
        for (Object c : (List<?>) golden.get("cases")) check(golden, (Map<?, ?>) c, Backends.offHeap());
    }

    static void check(Map<String, Object> golden, Map<?, ?> c, Backend backend) {
        String name = (String) c.get("name");
        Map<?, ?> shapes = (Map<?, ?>) golden.get("shapes"), init = (Map<?, ?>) golden.get("init");
        Map<String, Parameter> params = new LinkedHashMap<>();
        for (Object n : shapes.keySet())
            params.put((String) n, new Parameter(Tensor.of(floats(init.get(n)), shape(shapes.get(n))).to(backend)));
        Optimizer opt = optimizer(c, params);
        float lr = ((Number) ((Map<?, ?>) c.get("config")).get("lr")).floatValue();
        float gradScale = ((Number) c.get("grad_scale")).floatValue();
        List<?> grads = (List<?>) golden.get("grads"), steps = (List<?>) c.get("steps");
        for (int s = 0; s < steps.size(); s++) {
            Map<?, ?> g = (Map<?, ?>) grads.get(s), after = (Map<?, ?>) steps.get(s);
            params.forEach((n, p) -> p.value().setGrad(Tensor.of(floats(g.get(n)), p.shape()).to(backend)));
            opt.step(lr, gradScale);
            opt.zeroGrad();
            for (Map.Entry<String, Parameter> e : params.entrySet())
                assertThat(e.getValue().value().toArray()).as("%s on %s, step %d, %s", name, backend.name(), s + 1,
                        e.getKey()).containsExactly(floats(after.get(e.getKey())), within(TOLERANCE));
        }
        assertThat(opt.stepCount()).isEqualTo(steps.size());
    }

    /** The case's optimizer with its config and groups, as the Java API builds it. */
    static Optimizer optimizer(Map<?, ?> c, Map<String, Parameter> params) {
        Map<?, ?> k = (Map<?, ?>) c.get("config");
        List<ParamGroups.Group> groups = new ArrayList<>();
        ((Map<?, ?>) c.get("groups")).forEach((n, v) -> {
            List<?> sv = (List<?>) v;
            groups.add(new ParamGroups.Group((String) n, num(sv.get(0)), sv.get(1) == null ? Float.NaN : num(sv.get(1))));
        });
        ParamGroups pg = new ParamGroups(num(c.get("weight_decay")), groups);
        return switch ((String) c.get("optimizer")) {
            case "sgd" -> new Sgd(params, new Sgd.Config(num(k.get("momentum")), num(k.get("dampening")),
                    (Boolean) k.get("nesterov")), pg);
            case "lamb" -> new Lamb(params, new Lamb.Config(num(k.get("beta1")), num(k.get("beta2")), num(k.get("eps")),
                    (Boolean) k.get("bias_correction"), (Boolean) k.get("grad_averaging"), num(k.get("max_grad_norm")),
                    (Boolean) k.get("trust_clip"), (Boolean) k.get("always_adapt")), pg);
            case "lion" -> new Lion(params, new Lion.Config(num(k.get("beta1")), num(k.get("beta2"))), pg);
            case "adafactor" -> new Adafactor(params, new Adafactor.Config(num(k.get("eps1")), num(k.get("eps2")),
                    num(k.get("clip_threshold")), num(k.get("decay_rate")),
                    k.get("beta1") == null ? Float.NaN : num(k.get("beta1")), (Boolean) k.get("scale_parameter"),
                    (Boolean) k.get("relative_step"), (Boolean) k.get("warmup_init")), pg);
            default -> throw new IllegalArgumentException("unknown optimizer in golden file: " + c.get("optimizer"));
        };
    }

    static Map<String, Object> golden(String resource) throws IOException {
        try (InputStream in = OptimizerParityTest.class.getResourceAsStream(resource)) {
            return Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static float num(Object o) { return ((Number) o).floatValue(); }

    static int[] shape(Object list) {
        List<?> l = (List<?>) list;
        int[] s = new int[l.size()];
        for (int i = 0; i < s.length; i++) s[i] = ((Number) l.get(i)).intValue();
        return s;
    }

    static float[] floats(Object list) { return AdamWTest.floats(list); }
}
