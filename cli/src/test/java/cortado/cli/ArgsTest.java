package cortado.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ArgsTest {
    static Args spec() {
        return new Args("x", "Test command.")
                .required("model", "M", "the model")
                .option("steps", "N", "steps", "10")
                .option("lr", "X", "rate", "1e-3")
                .option("sizes", "N,N", "sizes", "1,2")
                .flag("resume", "resume");
    }

    @Test
    void parsesSpaceAndEqualsFormsFlagsDefaultsAndPositionals() throws Exception {
        Args a = spec().parse(new String[] {"pos1", "--model=gpt2", "--steps", "5", "--resume", "--lr", "-0.5", "--",
                "--not-an-option"});
        assertThat(a.string("model")).isEqualTo("gpt2");
        assertThat(a.positiveInt("steps")).isEqualTo(5);
        assertThat(a.bool("resume")).isTrue();
        assertThat(a.real("lr")).isEqualTo(-0.5);
        assertThat(a.intList("sizes")).containsExactly(1, 2);
        assertThat(a.has("sizes")).isFalse();
        assertThat(a.positionals()).containsExactly("pos1", "--not-an-option");
    }

    @Test
    void errorsNameTheFlag() {
        assertThatThrownBy(() -> spec().parse(new String[] {"--steps", "3"}))
                .isInstanceOf(UsageException.class).hasMessageContaining("missing --model M");
        assertThatThrownBy(() -> spec().parse(new String[] {"--model", "m", "--resume=yes"}))
                .hasMessage("--resume takes no value");
        assertThatThrownBy(() -> spec().parse(new String[] {"--model", "m", "-x"}))
                .hasMessageContaining("unknown option '-x'");
        assertThatThrownBy(() -> spec().parse(new String[] {"--model", "m", "--steps", "0"}).positiveInt("steps"))
                .hasMessage("--steps must be at least 1, got 0");
        assertThatThrownBy(() -> spec().parse(new String[] {"--model", "m", "--lr", "NaN"}).real("lr"))
                .hasMessageContaining("--lr must be finite");
        assertThatThrownBy(() -> spec().parse(new String[] {"--model", "m", "--sizes", "4,x"}).intList("sizes"))
                .hasMessageContaining("comma-separated integers");
    }

    @Test
    void helpListsOptionsWithDefaultsAndGlobalFlags() {
        assertThatThrownBy(() -> spec().parse(new String[] {"--help"}))
                .isInstanceOf(HelpRequested.class)
                .satisfies(e -> {
                    String u = ((HelpRequested) e).usage();
                    assertThat(u).startsWith("usage: cortado x --model M [options]");
                    assertThat(u).contains("--steps N", "(default 10)", "(required)", "--threads N", "--debug");
                });
    }
}
