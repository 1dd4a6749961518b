package cortado.serve;

import cortado.serve.json.JsonSchemaCompiler;
import cortado.serve.json.SchemaException;
import cortado.serve.json.SchemaNode;
import java.util.Map;

/**
 * OpenAI's {@code response_format}: {@code {"type": "text"}} (free text), {@code {"type": "json_object"}} (any JSON
 * object) or {@code {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}} (a document of the schema,
 * in {@link JsonSchemaCompiler}'s subset). A schema outside it is a 400 naming the keyword.
 */
final class ResponseFormat {
    private ResponseFormat() {}

    /** The schema the output must follow, or null for free text. */
    static SchemaNode schema(RequestFields f) {
        if (!f.has("response_format")) return null;
        RequestFields format = new RequestFields(f.object("response_format"));
        String type = format.string("type", null);
        if (type == null)
            throw new ApiException(400, "'response_format.type' is required", "response_format", "missing_required_parameter");
        return switch (type) {
            case "text" -> null;
            case "json_object" -> JsonSchemaCompiler.anyObject();
            case "json_schema" -> {
                Map<String, Object> spec = format.object("json_schema");
                if (!(spec.get("name") instanceof String))
                    throw new ApiException(400, "'response_format.json_schema.name' is required (a string)", "response_format");
                Object schema = spec.get("schema");
                yield schema == null ? JsonSchemaCompiler.anyValue()
                        : compile(schema, "response_format.json_schema.schema", "response_format");
            }
            default -> throw new ApiException(400, "'response_format.type' must be 'text', 'json_object' or 'json_schema', "
                    + "got '" + type + "'", "response_format");
        };
    }

    /** {@code schema} compiled, or a 400 naming the unsupported keyword under request field {@code param}. */
    static SchemaNode compile(Object schema, String path, String param) {
        try {
            return JsonSchemaCompiler.compile(schema, path);
        } catch (SchemaException e) {
            throw new ApiException(400, e.getMessage(), param, e.keyword() == null ? "invalid_schema" : "unsupported_schema_keyword");
        }
    }
}
