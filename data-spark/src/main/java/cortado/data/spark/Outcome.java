package cortado.data.spark;

import cortado.data.collect.Provenance;

import java.io.Serializable;

/**
 * What the driver needs of one document, in document order: the coverage report's counts and, for a kept document,
 * its split and tokens. No text travels to the driver.
 */
record Outcome(Provenance provenance, int chars, String reason, int cleanedChars, String script, int split, int[] ids)
        implements Serializable {
    boolean kept() { return ids != null; }
}
