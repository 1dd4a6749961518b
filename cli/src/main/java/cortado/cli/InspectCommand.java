package cortado.cli;

import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.quant.nn.MemoryReport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code cortado inspect}: parameters, bytes held per kind of tensor and bits per parameter of a checkpoint. */
public final class InspectCommand implements Command {
    @Override public String name() { return "inspect"; }

    @Override public String summary() { return "memory report of a checkpoint: parameters, bytes, bits/parameter"; }

    @Override
    public int run(String[] argv) throws Exception {
        Args a = new Args("inspect", """
                Loads a checkpoint (fp32, or quantized by cortado quantize / transformers + bitsandbytes) and reports
                what it holds in memory: parameters and bytes per kind of tensor (quantized codes, their block scales,
                fp32 tensors) and bits per parameter. Code books are shared constants and not counted.""")
                .required("model", "DIR", "checkpoint directory")
                .parse(argv);
        if (!a.positionals().isEmpty()) throw new UsageException("unexpected argument '" + a.positionals().get(0) + "'");
        Path dir = Path.of(a.string("model"));
        if (!Files.isDirectory(dir)) throw new CliException(dir + ": no such checkpoint directory");
        CausalLm model = QuantizeCommand.isQuantized(dir) ? QuantizeCommand.loadQuantized(dir) : HfCheckpoint.load(dir);
        MemoryReport r = MemoryReport.of(model.module());
        PrintStream o = System.out;
        o.printf(Locale.ROOT, "%s (%s)%n", dir, model.config().modelType());
        o.printf(Locale.ROOT, "%-58s %8s %13s %13s %10s%n", "kind", "tensors", "parameters", "bytes", "bits/param");
        for (MemoryReport.Row row : r.rows()) print(o, row);
        MemoryReport.Row q = r.quantizedWeights();
        if (q.parameters() > 0) print(o, q);
        print(o, r.total());
        return Main.OK;
    }

    private static void print(PrintStream o, MemoryReport.Row r) {
        o.printf(Locale.ROOT, "%-58s %8d %13d %13d %10s%n", r.kind(), r.tensors(), r.parameters(), r.bytes(),
                r.parameters() == 0 ? "-" : String.format(Locale.ROOT, "%.3f", r.bitsPerParameter()));
    }
}
