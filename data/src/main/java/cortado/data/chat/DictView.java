package cortado.data.chat;

import java.util.AbstractList;
import java.util.List;

/**
 * What {@code dict.items()}, {@code keys()} and {@code values()} return: iterable and sized like a list, but it
 * prints as {@code dict_items([...])} and cannot be indexed, as Python's views.
 */
final class DictView extends AbstractList<Object> {
    private final String kind;
    private final List<Object> items;

    /** @param kind "dict_items", "dict_keys" or "dict_values" */
    DictView(String kind, List<Object> items) {
        this.kind = kind;
        this.items = items;
    }

    String kind() { return kind; }

    @Override public Object get(int i) { return items.get(i); }

    @Override public int size() { return items.size(); }
}
