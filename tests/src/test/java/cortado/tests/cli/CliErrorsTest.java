package cortado.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;

import cortado.cli.Command;
import cortado.cli.Commands;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes (0 ok, 2 usage, 1 failure) and the one-line "error:" contract of the command line. */
class CliErrorsTest {
    @TempDir Path dir;

    static void assertOneErrorLine(CliRunner.Result r, int code, String... fragments) {
        assertThat(r.code()).isEqualTo(code);
        assertThat(r.err().lines().toList()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("error: ");
        for (String f : fragments) assertThat(r.err()).contains(f);
        assertThat(r.err()).doesNotContain("\tat ", "Exception");
    }

    @Test
    void everyCommandAnswersHelp() {
        assertThat(Commands.all()).extracting(Command::name).contains("pretrain", "generate", "bench", "demo");
        for (Command c : Commands.all()) {
            CliRunner.Result r = CliRunner.run(c.name(), "--help");
            assertThat(r.code()).as(c.name()).isZero();
            assertThat(r.out()).as(c.name()).startsWith("usage: cortado " + c.name()).contains("--threads N");
            assertThat(r.err()).isEmpty();
        }
        CliRunner.Result top = CliRunner.run("--help");
        assertThat(top.code()).isZero();
        assertThat(top.out()).contains("pretrain", "generate", "demo", "bench");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertOneErrorLine(CliRunner.run("frobnicate"), 2, "unknown command 'frobnicate'");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny"), 2, "missing --data");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--data", "x.txt", "--steps", "ten"), 2,
                "--steps expects an integer, got 'ten'");
        assertOneErrorLine(CliRunner.run("pretrain", "--bogus"), 2, "unknown option '--bogus'");
        assertOneErrorLine(CliRunner.run("generate", "--model", "m", "--prompt"), 2, "--prompt needs a value");
        assertOneErrorLine(CliRunner.run("bench", "sgemm", "--threads", "0"), 2, "--threads must be at least 1");
        assertOneErrorLine(CliRunner.run("bench", "dgemm"), 2, "unknown kernel 'dgemm'");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-huge", "--data", "x.txt"), 2,
                "unknown model 'gpt2-huge'", "gpt2-tiny");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--data", "x.txt",
                "--schedule", "cosine-restarts"), 2, "--schedule: unknown schedule 'cosine-restarts' (known: cosine,"
                + " constant, linear, hf-cosine, cosine-with-restarts, constant-with-warmup, inverse-sqrt)");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--data", "x.txt", "--optimizer", "adam"), 2,
                "--optimizer must be one of adamw|", "|lamb|lion|adafactor|adafactor-relative, got 'adam'");
    }

    @Test
    void debugAddsTheStackTrace() {
        CliRunner.Result r = CliRunner.run("pretrain", "--debug", "--model", "gpt2-tiny", "--seq", "32", "--data",
                dir.resolve("missing.txt").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith("error: ").contains("missing.txt").contains("\tat cortado.");
    }

    @Test
    void failuresExitWithOneAndNameTheFile() throws Exception {
        Path missing = dir.resolve("missing.txt");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--seq", "32", "--data", missing.toString()), 1,
                "missing.txt", "no such file");

        ByteBuffer b = ByteBuffer.allocate(1024 + 20).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(20240520).putInt(1).putInt(999_999); // header claims far more tokens than the file holds
        Path lying = dir.resolve("lying.bin");
        Files.write(lying, b.array());
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--seq", "32", "--data", lying.toString()), 1,
                "lying.bin", "header says 999999 tokens");

        Path badVersion = dir.resolve("version.bin");
        ByteBuffer v = ByteBuffer.allocate(1024 + 20).order(ByteOrder.LITTLE_ENDIAN);
        v.putInt(20240520).putInt(3).putInt(10);
        Files.write(badVersion, v.array());
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--seq", "32", "--data", badVersion.toString()), 1,
                "version.bin", "version 3");

        Path tooShort = dir.resolve("short.txt");
        Files.writeString(tooShort, "tiny");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--seq", "32", "--data",
                tooShort.toString(), "--val-every", "0"), 1, "holds 4 tokens");

        assertOneErrorLine(CliRunner.run("generate", "--model", dir.resolve("nope").toString(), "--prompt", "x"), 1,
                "nope", "no such checkpoint directory");
        assertOneErrorLine(CliRunner.run("pretrain", "--model", "gpt2-tiny", "--seq", "65", "--data", "x.txt"), 2,
                "--seq 65 exceeds the model's 64 positions");
    }
}
