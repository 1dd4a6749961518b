package cortado.serve;

import com.sun.net.httpserver.HttpExchange;
import cortado.nn.embed.SentenceTransformer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/embeddings} in OpenAI's shape, over a sentence-transformers model: {@code input} a string or a list
 * of strings (at most {@value #MAX_INPUTS}, none empty; token-id arrays are refused: the model's own tokenizer reads
 * text), {@code encoding_format} {@code float} (default) or {@code base64} (the little-endian float32 bytes, which the
 * official Python client asks for by default and decodes), {@code dimensions} only as the model's own width.
 * The response lists one {@code {"object": "embedding", "index", "embedding"}} per input, in order, with
 * {@code usage.prompt_tokens} = {@code total_tokens} = the tokens the encoder read ([CLS] and [SEP] included, after
 * truncation to max_seq_length). Other fields (user, ...) are accepted and ignored.
 */
final class EmbeddingsEndpoint {
    static final int MAX_INPUTS = 2048;

    private final String name;
    private final SentenceTransformer model;

    EmbeddingsEndpoint(String name, SentenceTransformer model) {
        this.name = name;
        this.model = model;
    }

    String name() { return name; }

    void handle(HttpExchange ex, Map<String, Object> body) throws IOException {
        RequestFields f = new RequestFields(body);
        String requested = f.requiredString("model");
        if (!requested.equals(name))
            throw new ApiException(404, "The model `" + requested + "` does not exist.", "model", "model_not_found");
        List<String> inputs = inputs(body.get("input"));
        String format = f.string("encoding_format", "float");
        if (!format.equals("float") && !format.equals("base64"))
            throw new ApiException(400, "'encoding_format' must be 'float' or 'base64', got '" + format + "'", "encoding_format");
        float[][] vectors;
        long tokens = 0;
        synchronized (model) {   // one encoder pass at a time; each pass is itself multi-threaded
            for (String s : inputs) tokens += model.tokenCount(s);
            vectors = model.encode(inputs, 32);
        }
        if (f.has("dimensions")) {
            long d = f.integer("dimensions", 0);
            if (vectors.length > 0 && d != vectors[0].length)
                throw new ApiException(400, "this model's embeddings have " + vectors[0].length + " dimensions and"
                        + " cannot be shortened to " + d, "dimensions");
        }
        List<Object> data = new ArrayList<>();
        for (int i = 0; i < vectors.length; i++)
            data.add(GenerationEndpoint.object("object", "embedding", "index", i, "embedding",
                    format.equals("base64") ? base64(vectors[i]) : floats(vectors[i])));
        OpenAiServer.sendJson(ex, 200, GenerationEndpoint.object("object", "list", "data", data, "model", name,
                "usage", GenerationEndpoint.object("prompt_tokens", tokens, "total_tokens", tokens)));
    }

    private static List<String> inputs(Object v) {
        if (v == null) throw new ApiException(400, "'input' is required", "input", "missing_required_parameter");
        List<String> out = new ArrayList<>();
        if (v instanceof String s) out.add(s);
        else if (v instanceof List<?> l) {
            if (l.isEmpty()) throw new ApiException(400, "'input' must not be an empty list", "input");
            if (l.size() > MAX_INPUTS)
                throw new ApiException(400, "'input' holds " + l.size() + " items, more than " + MAX_INPUTS, "input");
            for (Object o : l) {
                if (o instanceof String s) out.add(s);
                else if (o instanceof Number || o instanceof List<?>)
                    throw new ApiException(400, "token-id input is not supported here: send the text", "input");
                else throw new ApiException(400, "'input' must be a string or a list of strings", "input");
            }
        } else throw new ApiException(400, "'input' must be a string or a list of strings", "input");
        for (int i = 0; i < out.size(); i++)
            if (out.get(i).isEmpty()) throw new ApiException(400, "'input' item " + i + " is empty", "input");
        return out;
    }

    private static List<Object> floats(float[] v) {
        List<Object> out = new ArrayList<>(v.length);
        for (float x : v) out.add(x);
        return out;
    }

    private static String base64(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return Base64.getEncoder().encodeToString(b.array());
    }
}
