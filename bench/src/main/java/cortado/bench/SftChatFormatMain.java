package cortado.bench;

import cortado.cli.DemoQa;
import cortado.cli.Main;
import cortado.data.tokenizer.ByteTokenizer;
import cortado.nn.generate.Completion;
import cortado.nn.generate.FinishReason;
import cortado.nn.generate.Generator;
import cortado.nn.generate.Sampler;
import cortado.nn.generate.StoppingCriteria;
import cortado.nn.io.HfCheckpoint;
import cortado.nn.models.CausalLm;
import cortado.peft.AdapterFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Issue 11's SFT quality claim on the demo model: after {@code cortado sft}, at least 90% of held-out generations
 * follow the chat format and stop at the end token. The chat set is the demo's embedded question set
 * ({@link DemoQa}, stories the pretraining corpus's generator wrote) put in a chat format the byte-level model can
 * read:
 *
 * <pre>
 * prompt:     "&lt;|user|&gt;\n" + story + " " + question + "\n&lt;|assistant|&gt;\n"
 * completion: answer, then the end-of-text token (id 256, appended by sft as TRL appends EOS)
 * </pre>
 *
 * written as prompt/completion JSONL (OUT/chat_sft.jsonl) and trained with {@code cortado sft} (completion-only
 * loss). A held-out generation (greedy, at most 48 new tokens, questions about stories the fine-tuning never saw)
 * follows the format when it stops at the end token, is not empty, stays on one line and opens no new turn
 * ({@code <|}). Prints the rate (and exact match) before and after.
 *
 * <p>Usage: {@code cortado demo --qlora-steps 0 --out runs/demo} first, then {@code java --add-modules
 * jdk.incubator.vector -cp bench/target/benchmarks.jar cortado.bench.SftChatFormatMain --model runs/demo/checkpoint
 * [--out runs/sft-chat] [--steps 600] [--method lora|full|...] [--lr 1e-2] [--threads 2]} (LoRA: r 8, alpha 16, every
 * linear layer)
 */
public final class SftChatFormatMain {
    static final int MAX_NEW_TOKENS = 48, BATCH = 32;

    static String prompt(DemoQa.Pair p) { return "<|user|>\n" + p.story() + " " + p.question() + "\n<|assistant|>\n"; }

    /** Generations that follow the format, and exact answers, out of {@code pairs}. */
    record Score(int follows, int exact, int total, List<String> samples) {}

    static Score score(CausalLm model, List<DemoQa.Pair> pairs) {
        ByteTokenizer tok = new ByteTokenizer();
        Generator gen = new Generator(model);
        StoppingCriteria stop = new StoppingCriteria(MAX_NEW_TOKENS, Set.of(ByteTokenizer.END_OF_TEXT), List.of());
        model.module().train(false);
        int follows = 0, exact = 0;
        List<String> samples = new ArrayList<>();
        for (int from = 0; from < pairs.size(); from += BATCH) {
            List<DemoQa.Pair> chunk = pairs.subList(from, Math.min(pairs.size(), from + BATCH));
            List<int[]> prompts = new ArrayList<>();
            for (DemoQa.Pair p : chunk) prompts.add(tok.encode(prompt(p)));
            List<Completion> out = gen.generate(prompts, Collections.nCopies(chunk.size(), Sampler.greedy()), stop, tok, null);
            for (int i = 0; i < out.size(); i++) {
                Completion c = out.get(i);
                String text = c.text();
                boolean ok = c.finishReason() == FinishReason.STOP && !text.isBlank() && !text.contains("\n")
                        && !text.contains("<|");
                if (ok) follows++;
                if (ok && text.equals(chunk.get(i).answer())) exact++;
                if (samples.size() < 5) samples.add(chunk.get(i).question() + " -> \"" + text.replace("\n", "\\n") + "\" ("
                        + c.finishReason().apiName() + ")");
            }
        }
        return new Score(follows, exact, pairs.size(), samples);
    }

    public static void main(String[] args) throws Exception {
        Path model = null, out = Path.of("runs/sft-chat");
        String steps = "600", method = "lora", lr = "1e-2", threads = "2";
        for (int i = 0; i < args.length; i += 2) {
            if (i + 1 >= args.length) throw new IllegalArgumentException("flag " + args[i] + " needs a value");
            String v = args[i + 1];
            switch (args[i]) {
                case "--model" -> model = Path.of(v);
                case "--out" -> out = Path.of(v);
                case "--steps" -> steps = v;
                case "--method" -> method = v;
                case "--lr" -> lr = v;
                case "--threads" -> threads = v;
                default -> throw new IllegalArgumentException("unknown flag " + args[i]);
            }
        }
        if (model == null) throw new IllegalArgumentException("--model DIR (the demo's pretrained checkpoint) is required");
        DemoQa.Split qa = DemoQa.load();
        Files.createDirectories(out);
        Path data = out.resolve("chat_sft.jsonl");
        List<String> rows = new ArrayList<>();
        for (DemoQa.Pair p : qa.train())
            rows.add("{\"prompt\": " + json(prompt(p)) + ", \"completion\": " + json(p.answer()) + "}");
        Files.write(data, rows);

        Score before = score(HfCheckpoint.load(model), qa.heldOut());
        Path run = out.resolve(method);
        List<String> sft = new ArrayList<>(List.of("sft", "--model", model.toString(), "--data", data.toString(),
                "--out", run.toString(), "--method", method, "--steps", steps, "--batch", "8", "--lr", lr, "--warmup",
                "30", "--schedule", "cosine", "--max-length", "256", "--threads", threads));
        if (!method.equals("full")) sft.addAll(List.of("--r", "8", "--alpha", "16", "--target-modules", "all-linear"));
        int code = Main.run(sft.toArray(String[]::new));
        if (code != 0) throw new IllegalStateException("cortado sft failed with exit code " + code);
        CausalLm tuned = method.equals("full") ? HfCheckpoint.load(run.resolve("checkpoint"))
                : AdapterFiles.load(HfCheckpoint.load(model), run).model();
        Score after = score(tuned, qa.heldOut());
        System.out.printf(Locale.ROOT, "%nheld-out generations (%d questions about %s unseen stories), greedy, at most %d"
                + " new tokens%n", before.total(), "held-out", MAX_NEW_TOKENS);
        for (Score s : new Score[] {before, after}) {
            System.out.printf(Locale.ROOT, "%s: follow the chat format and stop at the end token %d/%d = %.1f%%;"
                            + " exact answers %.1f%%%n", s == before ? "before sft" : "after sft ", s.follows(), s.total(),
                    100.0 * s.follows() / s.total(), 100.0 * s.exact() / s.total());
            for (String x : s.samples()) System.out.println("    " + x);
        }
    }

    /** A JSON string literal. */
    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
