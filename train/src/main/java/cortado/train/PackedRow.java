package cortado.train;

import cortado.nn.models.CausalLm;

/**
 * One row of packed examples ({@link SftPacking}): their input ids and labels end to end, and the length of each
 * example in it (TRL's {@code seq_lengths}; null for the "wrapped" strategy, whose rows ignore example boundaries).
 */
public record PackedRow(int[] inputIds, int[] labels, int[] seqLengths) {
    public PackedRow {
        if (inputIds.length != labels.length)
            throw new IllegalArgumentException(inputIds.length + " input ids and " + labels.length + " labels");
        inputIds = inputIds.clone();
        labels = labels.clone();
        seqLengths = seqLengths == null ? null : seqLengths.clone();
    }

    public int length() { return inputIds.length; }

    /**
     * Position ids restarting at 0 with each example, TRL's {@code get_position_ids_from_packed_seq_lengths}
     * ({@code 0 .. length-1} for a wrapped row).
     */
    public int[] positionIds() {
        int[] p = new int[inputIds.length];
        if (seqLengths == null) {
            for (int i = 0; i < p.length; i++) p[i] = i;
            return p;
        }
        int at = 0;
        for (int len : seqLengths) for (int i = 0; i < len; i++) p[at++] = i;
        return p;
    }

    /**
     * The labels as TRL's padding-free collator leaves them: -100 at every example's first token, so no example is
     * trained to predict the start of the next (a wrapped row's labels are unchanged).
     */
    public int[] collatedLabels() {
        int[] l = labels.clone();
        if (seqLengths == null) return l;
        int[] p = positionIds();
        for (int i = 0; i < l.length; i++) if (p[i] == 0) l[i] = CausalLm.IGNORE_INDEX;
        return l;
    }
}
