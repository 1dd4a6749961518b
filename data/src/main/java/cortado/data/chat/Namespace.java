package cortado.data.chat;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Jinja's {@code namespace(...)}: the one mutable object a template may assign attributes on
 * ({@code {% set ns.found = true %}}), which is how a value set inside a loop survives the loop.
 */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();

    @Override public String toString() { return "<Namespace " + attributes + ">"; }
}
