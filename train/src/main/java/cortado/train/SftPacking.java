package cortado.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Packing of SFT examples into rows of at most {@code maxLength} tokens, as TRL 1.13's {@code pack_dataset}:
 * <ul>
 *   <li>{@code bfd} (best-fit decreasing, TRL's default, {@code _pack_bfd} with "truncate"): empty examples are
 *       dropped and each is cut to its first {@code maxLength} tokens; in order of decreasing length (ties in file
 *       order, a stable sort) each goes into the open row with the least room that still fits it (among rows with
 *       the same room, the one that reached it first), or a new row. Rows keep their examples' lengths, so position
 *       ids restart per example and attention stays inside each ({@link PackedRow#positionIds}); TRL turns
 *       {@code padding_free} on for it.</li>
 *   <li>{@code wrapped} ({@code _pack_wrapped}): every example end to end, cut every {@code maxLength} tokens; the
 *       last row holds the rest. Rows ignore example boundaries: attention runs across them, as in TRL, where
 *       {@code padding_free} stays off for this strategy.</li>
 * </ul>
 */
public final class SftPacking {
    public enum Strategy { BFD, WRAPPED }

    private SftPacking() {}

    public static List<PackedRow> pack(List<SftExample> examples, int maxLength, Strategy strategy) {
        if (maxLength < 1) throw new IllegalArgumentException("packing needs max length >= 1, got " + maxLength);
        return strategy == Strategy.BFD ? bestFitDecreasing(examples, maxLength) : wrapped(examples, maxLength);
    }

    /** A row being filled: its examples (indices) and its remaining room. */
    private static final class Bin {
        final List<Integer> members = new ArrayList<>();
        int space;

        Bin(int space) { this.space = space; }
    }

    private static List<PackedRow> bestFitDecreasing(List<SftExample> examples, int maxLength) {
        List<SftExample> cut = new ArrayList<>();
        for (SftExample e : examples) if (e.length() > 0) cut.add(e.keepStart(maxLength));
        Integer[] order = new Integer[cut.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt((Integer i) -> cut.get(i).length()).reversed()); // stable
        List<Bin> bins = new ArrayList<>();
        // room -> rows with exactly that room, first come first served (TRL's segment tree + space_to_bin deques)
        TreeMap<Integer, ArrayDeque<Bin>> byRoom = new TreeMap<>();
        for (int i : order) {
            int len = cut.get(i).length();
            Integer room = byRoom.ceilingKey(len);
            Bin bin;
            if (room == null) {
                bin = new Bin(maxLength);
                bins.add(bin);
            } else {
                ArrayDeque<Bin> q = byRoom.get(room);
                bin = q.pollFirst();
                if (q.isEmpty()) byRoom.remove(room);
            }
            bin.members.add(i);
            bin.space -= len;
            if (bin.space > 0) byRoom.computeIfAbsent(bin.space, k -> new ArrayDeque<>()).addLast(bin);
        }
        List<PackedRow> rows = new ArrayList<>(bins.size());
        for (Bin bin : bins) {
            int total = maxLength - bin.space;
            int[] ids = new int[total], labels = new int[total], lengths = new int[bin.members.size()];
            int at = 0;
            for (int k = 0; k < lengths.length; k++) {
                SftExample e = cut.get(bin.members.get(k));
                System.arraycopy(e.inputIds(), 0, ids, at, e.length());
                System.arraycopy(e.labels(), 0, labels, at, e.length());
                lengths[k] = e.length();
                at += e.length();
            }
            rows.add(new PackedRow(ids, labels, lengths));
        }
        return rows;
    }

    private static List<PackedRow> wrapped(List<SftExample> examples, int maxLength) {
        int total = 0;
        for (SftExample e : examples) total = Math.addExact(total, e.length());
        int[] ids = new int[total], labels = new int[total];
        int at = 0;
        for (SftExample e : examples) {
            System.arraycopy(e.inputIds(), 0, ids, at, e.length());
            System.arraycopy(e.labels(), 0, labels, at, e.length());
            at += e.length();
        }
        List<PackedRow> rows = new ArrayList<>();
        for (int from = 0; from < total; from += maxLength) {
            int to = Math.min(total, from + maxLength);
            rows.add(new PackedRow(Arrays.copyOfRange(ids, from, to), Arrays.copyOfRange(labels, from, to), null));
        }
        return rows;
    }
}
