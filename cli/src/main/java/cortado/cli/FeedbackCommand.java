package cortado.cli;

import cortado.serve.feedback.FeedbackExport;
import cortado.serve.feedback.FeedbackRecords;
import cortado.serve.feedback.FeedbackReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code cortado feedback export LOGDIR --sft FILE --dpo FILE} and {@code cortado feedback report LOGDIR}: the
 * conversation log of {@code serve --log-dir} turned into training data for {@code sft} and {@code dpo}
 * ({@link FeedbackExport}), and the ratings per model and day ({@link FeedbackReport}), closing the loop from serving
 * back to training.
 */
public final class FeedbackCommand implements Command {
    @Override public String name() { return "feedback"; }

    @Override public String summary() { return "turn a server's rated conversations into SFT/DPO data; report ratings per model"; }

    @Override
    public int run(String[] argv) throws Exception {
        if (argv.length > 0 && argv[0].equals("export")) return export(Arrays.copyOfRange(argv, 1, argv.length));
        if (argv.length > 0 && argv[0].equals("report")) return report(Arrays.copyOfRange(argv, 1, argv.length));
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h"))
            throw new HelpRequested("""
                    usage: cortado feedback export|report LOGDIR [options]

                    The feedback loop over the conversation log of `cortado serve --log-dir LOGDIR` (answered requests
                    in conversations.jsonl, clients' ratings from POST /v1/feedback in feedback.jsonl).
                      cortado feedback export LOGDIR [--sft FILE.jsonl] [--dpo FILE.jsonl]
                          writes what the ratings teach as data for `cortado sft` and `cortado dpo`
                      cortado feedback report LOGDIR
                          prints, per model and day, the answers served, rated and rated good
                    Both take --threads N (unused: nothing here runs kernels). See `cortado feedback export --help`.
                    """);
        throw new UsageException("unknown feedback subcommand '" + argv[0] + "' (export or report)");
    }

    private static int export(String[] argv) throws Exception {
        Args a = new Args("feedback export", """
                Reads LOGDIR (a server's --log-dir) and writes training data from its rated answers (a choice's latest
                rating counts). --sft: JSONL for `cortado sft`, every answer rated good and every preferred answer a
                client wrote, as {"messages": [...]} for chat requests (the assistant's answer last) and
                {"prompt", "completion"} for completions. --dpo: JSONL for `cortado dpo` in TRL's text layout
                {"prompt", "chosen", "rejected"} with the prompt as the model saw it (chat template applied): a
                preferred answer over the bad answer it replaces, and each good answer over each bad one to the same
                prompt. Files are written through a temporary file and renamed.""")
                .positional("LOGDIR", "the server's --log-dir")
                .option("sft", "FILE.jsonl", "where to write the SFT rows", null)
                .option("dpo", "FILE.jsonl", "where to write the preference pairs", null);
        a.parse(argv);
        FeedbackRecords records = records(a);
        if (!a.has("sft") && !a.has("dpo")) throw new UsageException("give --sft FILE and/or --dpo FILE");
        if (a.has("sft")) write(FeedbackExport.sftRows(records), Path.of(a.string("sft")), "SFT rows");
        if (a.has("dpo")) write(FeedbackExport.dpoRows(records), Path.of(a.string("dpo")), "preference pairs");
        return Main.OK;
    }

    private static void write(List<Map<String, Object>> rows, Path file, String what) throws Exception {
        FeedbackExport.write(rows, file);
        System.out.println("wrote " + rows.size() + " " + what + " to " + file);
    }

    private static int report(String[] argv) throws Exception {
        Args a = new Args("feedback report", """
                Prints, for each model in LOGDIR (a server's --log-dir) and each UTC day, the answers served (choices),
                how many were rated, how many rated good, the share of rated answers that were good, and the share
                of answers that ended by themselves (finish_reason stop) rather than at the token limit; then the
                model's total. Serve a retrained model under a new --served-model-name into the same LOGDIR and its
                rows stand beside the old model's.""")
                .positional("LOGDIR", "the server's --log-dir");
        a.parse(argv);
        System.out.print(FeedbackReport.table(FeedbackReport.rows(records(a))));
        return Main.OK;
    }

    private static FeedbackRecords records(Args a) throws UsageException {
        if (a.positionals().size() != 1) throw new UsageException("give one LOGDIR (a server's --log-dir)");
        Path dir = Path.of(a.positionals().get(0));
        if (!Files.isDirectory(dir)) throw new UsageException(dir + ": not a directory");
        try {
            return FeedbackRecords.load(dir);
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }
}
