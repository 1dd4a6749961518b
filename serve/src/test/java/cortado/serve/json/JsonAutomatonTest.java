package cortado.serve.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import cortado.data.json.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The byte automaton on whole documents, prefixes that must stay alive, and bytes that must kill them. */
class JsonAutomatonTest {
    private static JsonAutomaton schema(String json) {
        return new JsonAutomaton(JsonSchemaCompiler.compile(Json.parse(json), "schema"));
    }

    private static JsonAutomaton anyObject() { return new JsonAutomaton(JsonSchemaCompiler.anyObject()); }

    private static byte[] utf8(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    private static boolean alive(JsonAutomaton a, String prefix) { return !a.feed(a.start(), utf8(prefix)).dead(); }

    @Test
    void jsonModeAcceptsObjectsOfAnyValues() {
        JsonAutomaton a = anyObject();
        for (String ok : new String[] {"{}", "{ }", "{\"a\":1}", "{\"a\": [1, -2.5e+3, true, false, null, \"x\"]}",
                "{\"nested\": {\"k\": {\"z\": []}}, \"s\": \"\\u00e9\\n\\\"\"}", "{\"é\": \"日本語 🎉\"}",
                "{\"n\": 0}", "{\"n\": -0.0E5}", "\n{\"a\" : {} }"})
            assertThat(a.accepts(utf8(ok))).as(ok).isTrue();
        for (String bad : new String[] {"[]", "1", "\"s\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":01}",
                "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":tru}", "{\"a\":\"\\x\"}", "{\"a\":\"\t\"}",
                "{} ", "{}{}", "{\"a\":[1,]}", "{\"a\":-}", "{\"a\":1e}", "{'a':1}"})
            assertThat(a.accepts(utf8(bad))).as(bad).isFalse();
    }

    @Test
    void prefixesOfValidDocumentsStayAliveAndWrongBytesDie() {
        JsonAutomaton a = anyObject();
        String doc = "{\"key\": [1.5, {\"x\": null}], \"t\": \"a\\u00e9b\"}";
        for (int i = 0; i <= doc.length(); i++) assertThat(alive(a, doc.substring(0, i))).as(doc.substring(0, i)).isTrue();
        assertThat(alive(a, "x")).isFalse();
        assertThat(alive(a, "{\"a\":1 2")).isFalse();
        assertThat(alive(a, "{\"a\":[1 2")).isFalse();
        assertThat(alive(a, "{\"a\":nul")).isTrue();
        assertThat(alive(a, "{\"a\":nulx")).isFalse();
        assertThat(a.complete(a.feed(a.start(), utf8("{\"a\":1")))).isFalse();
    }

    @Test
    void stringsMustBeValidUtf8() {
        JsonAutomaton a = anyObject();
        byte[] open = utf8("{\"a\":\"");
        int[][] bad = {{0xC0, 0x80}, {0xE0, 0x80, 0x80}, {0xED, 0xA0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0x80}, {0xFF}};
        for (int[] seq : bad) {
            JsonAutomaton.State s = a.feed(a.start(), open);
            for (int b : seq) s = a.feed(s, b);
            assertThat(s.dead()).as(java.util.Arrays.toString(seq)).isTrue();
        }
        JsonAutomaton.State s = a.feed(a.start(), open);
        for (byte b : utf8("é日🎉\"}")) s = a.feed(s, b & 0xff);
        assertThat(a.complete(s)).isTrue();
    }

    @Test
    void whitespaceRunsAndNumbersAreBounded() {
        JsonAutomaton a = anyObject();
        assertThat(alive(a, "{" + " ".repeat(JsonAutomaton.MAX_WHITESPACE))).isTrue();
        assertThat(alive(a, "{" + " ".repeat(JsonAutomaton.MAX_WHITESPACE + 1))).isFalse();
        assertThat(alive(a, "{\"a\":" + "9".repeat(JsonAutomaton.MAX_DIGITS))).isTrue();
        assertThat(alive(a, "{\"a\":" + "9".repeat(JsonAutomaton.MAX_DIGITS + 1))).isFalse();
        String largest = "9".repeat(JsonAutomaton.MAX_DIGITS) + "." + "9".repeat(JsonAutomaton.MAX_DIGITS) + "e+"
                + "9".repeat(JsonAutomaton.MAX_EXPONENT_DIGITS);
        assertThat(a.accepts(utf8("{\"a\":" + largest + "}"))).isTrue();
        assertThat(Double.isFinite(Double.parseDouble(largest))).isTrue(); // every number a finite double
        assertThat(alive(a, "{\"a\":1e" + "9".repeat(JsonAutomaton.MAX_EXPONENT_DIGITS + 1))).isFalse();
    }

    @Test
    void objectsOfASchemaTakeOnlyTheirKeysOnceAndNeedTheRequiredOnes() {
        JsonAutomaton a = schema("""
                {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"},
                 "nick": {"type": "string"}}, "required": ["name", "age"], "additionalProperties": false}""");
        assertThat(a.accepts(utf8("{\"name\": \"Ann\", \"age\": 31}"))).isTrue();
        assertThat(a.accepts(utf8("{\"age\": 31, \"name\": \"Ann\", \"nick\": \"A\"}"))).isTrue();
        assertThat(a.accepts(utf8("{\"name\": \"Ann\"}"))).isFalse(); // age is required
        assertThat(a.accepts(utf8("{\"name\": \"Ann\", \"age\": 31.5}"))).isFalse(); // not an integer
        assertThat(a.accepts(utf8("{\"name\": \"Ann\", \"age\": 1e3}"))).isFalse();
        assertThat(alive(a, "{\"nam")).isTrue();
        assertThat(alive(a, "{\"nax")).isFalse(); // no such key
        assertThat(alive(a, "{\"name\": \"A\", \"name")).isFalse(); // a key once
        assertThat(alive(a, "{\"name\": 3")).isFalse(); // wrong type
        assertThat(alive(a, "{\"name\": \"A\", \"age\": 1, \"nick\": \"B\",")).isFalse(); // no key left after the comma
        assertThat(alive(a, "{}")).isFalse();
    }

    @Test
    void arraysEnumsConstsAnyOfAndTypeLists() {
        JsonAutomaton a = schema("""
                {"type": "object", "properties": {
                  "tags": {"type": "array", "items": {"enum": ["red", "green", 12, null]}},
                  "kind": {"const": "point"},
                  "value": {"anyOf": [{"type": "number"}, {"type": "object", "properties": {"x": {"type": "boolean"}},
                             "required": ["x"], "additionalProperties": false}]},
                  "maybe": {"type": ["string", "null"]}},
                 "required": ["tags", "kind", "value", "maybe"], "additionalProperties": false}""");
        assertThat(a.accepts(utf8("{\"tags\": [\"red\", 12, null], \"kind\": \"point\", \"value\": 2.5, \"maybe\": null}"))).isTrue();
        assertThat(a.accepts(utf8("{\"tags\": [], \"kind\": \"point\", \"value\": {\"x\": true}, \"maybe\": \"s\"}"))).isTrue();
        assertThat(a.accepts(utf8("{\"tags\": [\"blue\"], \"kind\": \"point\", \"value\": 1, \"maybe\": null}"))).isFalse();
        assertThat(a.accepts(utf8("{\"tags\": [1], \"kind\": \"point\", \"value\": 1, \"maybe\": null}"))).isFalse();
        assertThat(a.accepts(utf8("{\"tags\": [], \"kind\": \"line\", \"value\": 1, \"maybe\": null}"))).isFalse();
        assertThat(a.accepts(utf8("{\"tags\": [], \"kind\": \"point\", \"value\": \"1\", \"maybe\": null}"))).isFalse();
        assertThat(a.accepts(utf8("{\"tags\": [], \"kind\": \"point\", \"value\": 1, \"maybe\": 3}"))).isFalse();
        assertThat(alive(a, "{\"tags\": [12")).isTrue();
        assertThat(alive(a, "{\"tags\": [123")).isFalse(); // 12 is the enum value, not a prefix of numbers
    }

    @Test
    void definitionsAndRecursiveReferences() {
        JsonAutomaton a = schema("""
                {"$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"},
                   "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                   "required": ["v", "kids"], "additionalProperties": false}},
                 "$ref": "#/$defs/node"}""");
        assertThat(a.accepts(utf8("{\"v\": 1, \"kids\": [{\"v\": 2, \"kids\": []}, {\"v\": 3, \"kids\": [{\"v\": 4, \"kids\": []}]}]}"))).isTrue();
        assertThat(a.accepts(utf8("{\"v\": 1, \"kids\": [{\"v\": 2}]}"))).isFalse();
        JsonAutomaton b = schema("""
                {"type": "object", "properties": {"p": {"$ref": "#/definitions/point"}}, "required": ["p"],
                 "additionalProperties": false,
                 "definitions": {"point": {"type": "array", "items": {"type": "number"}}}}""");
        assertThat(b.accepts(utf8("{\"p\": [1, 2.5]}"))).isTrue();
        assertThat(b.accepts(utf8("{\"p\": {}}"))).isFalse();
    }

    @Test
    void unsupportedKeywordsAreNamed() {
        for (String[] c : new String[][] {
                {"{\"type\": \"string\", \"minLength\": 3}", "minLength"},
                {"{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"number\", \"minimum\": 0}}}", "minimum"},
                {"{\"oneOf\": [{\"type\": \"string\"}]}", "oneOf"},
                {"{\"type\": \"object\", \"additionalProperties\": true}", "additionalProperties"},
                {"{\"type\": \"string\", \"pattern\": \"^a\"}", "pattern"},
                {"{\"type\": \"array\", \"items\": {\"type\": \"string\"}, \"minItems\": 1}", "minItems"},
                {"{\"type\": \"object\", \"properties\": {}, \"required\": [\"x\"]}", "required"},
                {"{\"$ref\": \"#/$defs/missing\"}", "$ref"},
                {"{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/a\"}}, \"$ref\": \"#/$defs/a\"}", "$ref"},
                {"{\"type\": \"strange\"}", "type"}})
            assertThatThrownBy(() -> JsonSchemaCompiler.compile(Json.parse(c[0]), "schema"))
                    .as(c[0]).isInstanceOf(SchemaException.class)
                    .satisfies(e -> assertThat(((SchemaException) e).keyword()).isEqualTo(c[1]))
                    .hasMessageContaining(c[1]);
    }
}
