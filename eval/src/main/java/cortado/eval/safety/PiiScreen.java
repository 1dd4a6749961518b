package cortado.eval.safety;

import cortado.data.clean.PiiScrubber;

import java.util.List;

/**
 * Personal data in a completion (e-mail addresses, phone numbers, IP addresses) as the data module's
 * {@link PiiScrubber} finds it when cleaning training text: flagged when scrubbing would change the text.
 */
public final class PiiScreen implements Screen {
    @Override public String name() { return "pii"; }

    @Override
    public List<Flag> screen(String text) {
        String scrubbed = new PiiScrubber().scrub(text);
        return scrubbed.equals(text) ? List.of() : List.of(new Flag(name(), "personal data: " + scrubbed));
    }
}
