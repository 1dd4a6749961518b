package cortado.eval;

import java.util.List;
import java.util.Map;

/** A loaded task: its config and the documents of each split it names, in file order. */
public record Task(TaskConfig config, Map<String, List<Map<String, Object>>> splits) {

    public String name() { return config.name(); }

    public List<Map<String, Object>> evalDocs() { return splits.get(config.evalSplit()); }

    public List<Map<String, Object>> fewshotDocs() { return splits.get(config.fewshotSplit()); }
}
