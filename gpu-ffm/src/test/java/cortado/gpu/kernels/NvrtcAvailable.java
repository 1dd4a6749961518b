package cortado.gpu.kernels;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import cortado.gpu.ffm.LibraryLocator;
import cortado.gpu.ffm.Nvrtc;

/**
 * libnvrtc for the tests that need it. Under CI (CI=true) it must be found (./cortado test installs the
 * nvidia-cuda-nvrtc wheel into .venv-interop, whose python it exports as CORTADO_INTEROP_PYTHON), so a missing library
 * fails; elsewhere the test is skipped with the reason.
 */
final class NvrtcAvailable {
    private static Nvrtc nvrtc;
    private static String missing;

    private NvrtcAvailable() {}

    static synchronized Nvrtc get() {
        if (nvrtc == null && missing == null) {
            try {
                nvrtc = Nvrtc.load(new LibraryLocator());
            } catch (LibraryLocator.NotFound | UnsatisfiedLinkError e) {
                missing = e.getMessage();
            }
        }
        if (nvrtc != null) return nvrtc;
        if ("true".equalsIgnoreCase(System.getenv("CI")))
            fail("CI=true but libnvrtc is missing (./cortado test installs it into .venv-interop from"
                    + " tools/interop/requirements.txt): " + missing);
        assumeTrue(false, "no libnvrtc here (run through ./cortado test, or pass -Dcortado.cuda.python=PYTHON of an"
                + " environment with the nvidia-cuda-nvrtc wheel): " + missing);
        return null;
    }
}
