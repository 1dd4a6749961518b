package cortado.nn.generate;

/** Why a sequence stopped, with OpenAI's names: an end-of-sequence token or a stop string, or the token limit. */
public enum FinishReason {
    STOP("stop"), LENGTH("length");

    private final String apiName;

    FinishReason(String apiName) { this.apiName = apiName; }

    /** {@code "stop"} or {@code "length"}, as OpenAI's {@code finish_reason}. */
    public String apiName() { return apiName; }
}
