package cortado.eval;

import java.awt.image.BufferedImage;
import java.util.Map;

/** A part of report.md that a probe adds after the tasks' (bias probes, ...): its markdown and its charts by file name. */
public record ReportSection(String markdown, Map<String, BufferedImage> charts) {}
