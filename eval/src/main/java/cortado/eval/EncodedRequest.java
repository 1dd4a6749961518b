package cortado.eval;

/** A loglikelihood request as token ids: the context that conditions and the continuation that is scored. */
public record EncodedRequest(int[] context, int[] continuation) {

    public EncodedRequest {
        if (context.length == 0) throw new IllegalArgumentException("a request needs at least one context token");
        if (continuation.length == 0) throw new IllegalArgumentException("a request's continuation has no tokens");
    }

    /** Context then continuation. */
    public int[] whole() {
        int[] all = new int[context.length + continuation.length];
        System.arraycopy(context, 0, all, 0, context.length);
        System.arraycopy(continuation, 0, all, context.length, continuation.length);
        return all;
    }
}
