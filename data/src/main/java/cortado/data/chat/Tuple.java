package cortado.data.chat;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: an immutable sequence that prints as {@code (a, b)}, from {@code (a, b)} literals and {@code items()}. */
final class Tuple extends AbstractList<Object> {
    private final Object[] items;

    Tuple(Object... items) { this.items = items.clone(); }

    Tuple(List<?> items) { this.items = items.toArray(); }

    @Override public Object get(int i) { return items[i]; }

    @Override public int size() { return items.length; }
}
