package cortado.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request the server answers with an error, in OpenAI's shape:
 * {@code {"error": {"message", "type", "param", "code"}}} under the HTTP status.
 */
final class ApiException extends RuntimeException {
    private final int status;
    private final String param, code;

    ApiException(int status, String message, String param, String code) {
        super(message);
        this.status = status;
        this.param = param;
        this.code = code;
    }

    ApiException(int status, String message, String param) { this(status, message, param, null); }

    int status() { return status; }

    /** OpenAI's error types by status. */
    String type() {
        return switch (status) {
            case 401 -> "authentication_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 500, 503 -> "server_error";
            default -> "invalid_request_error";
        };
    }

    Map<String, Object> body() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", getMessage());
        e.put("type", type());
        e.put("param", param);
        e.put("code", code);
        return Map.of("error", e);
    }
}
