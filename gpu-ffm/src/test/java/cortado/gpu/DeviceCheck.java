package cortado.gpu;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * The device check's Java half (gpu-ffm/device-check.sh runs it on the GPU machine, which has no Maven): the probe,
 * the CUDA tests through the JUnit launcher (the conformance suite on the CUDA backend), and the GEMM timings, written
 * to {@code OUTDIR/cortado_gemm.txt} for the PyTorch script to print beside its own. Exit status 1 when a test fails
 * or no device is found.
 *
 * <p>Usage: {@code DeviceCheck OUTDIR [n]} (n defaults to 8192).
 */
public final class DeviceCheck {
    private DeviceCheck() {}

    public static void main(String[] args) throws IOException {
        Path outDir = Path.of(args.length > 0 ? args[0] : ".");
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 8192;
        Files.createDirectories(outDir);
        CudaProbe probe = CudaProbe.probe();
        System.out.println("probe: " + (probe.available() ? "CUDA device " + probe.device() : "unavailable: " + probe.reason()));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(CudaBackendConformanceTest.class), selectClass(CudaProbeTest.class)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary s = listener.getSummary();
        List<String> lines = new ArrayList<>();
        lines.add("tests " + s.getTestsSucceededCount() + " passed " + s.getTestsFailedCount() + " failed "
                + s.getTestsSkippedCount() + " skipped");
        int shown = 0;
        for (TestExecutionSummary.Failure f : s.getFailures()) {
            if (shown++ == 20) {
                System.out.println("... " + (s.getFailures().size() - 20) + " more failures");
                break;
            }
            System.out.println("FAILED " + f.getTestIdentifier().getDisplayName() + ": " + f.getException());
        }
        if (probe.available()) {
            CudaBackend cuda = CudaBackend.instance();
            Map<String, Double> gemm = GemmSpeed.measure(cuda, n, 3, 10);
            for (Map.Entry<String, Double> e : gemm.entrySet())
                lines.add(String.format("gemm %s %d %.2f", e.getKey(), n, e.getValue()));
        }
        Files.write(outDir.resolve("cortado_gemm.txt"), lines);
        lines.forEach(System.out::println);
        System.exit(probe.available() && s.getTotalFailureCount() == 0 ? 0 : 1);
    }
}
