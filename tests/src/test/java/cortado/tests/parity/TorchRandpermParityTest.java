package cortado.tests.parity;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.nn.io.Safetensors;
import cortado.peft.fourierft.TorchRandperm;
import cortado.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link TorchRandperm} against torch 2.13's {@code torch.randperm} on a seeded CPU generator
 * (tools/golden/make_torch_randperm_golden.py): exactly equal, every element, for n from 1 to 6144 and seeds 0 to
 * 2^31. Exact because both are integer arithmetic on the same MT19937 stream. Planted bug, caught: the swap partner
 * drawn as {@code random() % (n - i - 1)} (off by one in the range).
 */
class TorchRandpermParityTest {
    @Test
    void randpermIsTorchsExactly() {
        Map<String, Tensor> g = Safetensors.load(Golden.path("torch_randperm_golden.safetensors"));
        assertThat(g).isNotEmpty();
        g.forEach((key, want) -> {
            String[] p = key.split("\\.");
            int n = Integer.parseInt(p[1]);
            long seed = Long.parseLong(p[2]);
            assertThat(TorchRandperm.randperm(n, seed)).as(key).containsExactly(Golden.ints(want));
        });
    }
}
