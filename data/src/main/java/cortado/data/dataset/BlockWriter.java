package cortado.data.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a split's documents (as token ids) into its token stream by {@link Chunking}, writing to shards. Memory:
 * one block for CONCAT, at most {@link #OPEN_BINS} blocks for PACK.
 */
public final class BlockWriter implements Closeable {
    /** Open blocks PACK keeps: first-fit over more bins packs tighter but holds more memory. */
    public static final int OPEN_BINS = 64;

    private final ShardedTokenWriter out;
    private final Chunking chunking;
    private final int seq; // 0: no blocks (CONCAT only)
    private final int eot;
    private final int[] block;
    private int fill;
    private final List<int[]> bins = new ArrayList<>();
    private final List<int[]> binFill = new ArrayList<>();
    private long documents, blocks, padding, dropped;

    /** @param seq block length T, or 0 for an unblocked CONCAT stream; @param eot end-of-text id, or -1 for none */
    public BlockWriter(ShardedTokenWriter out, Chunking chunking, int seq, int eot) {
        if (chunking == Chunking.PACK && seq <= 0) throw new IllegalArgumentException("packing needs a sequence length");
        if (chunking == Chunking.PACK && eot < 0)
            throw new IllegalArgumentException("packing needs a tokenizer with an end-of-text token");
        this.out = out;
        this.chunking = chunking;
        this.seq = seq;
        this.eot = eot;
        this.block = seq > 0 && chunking == Chunking.CONCAT ? new int[seq] : null;
    }

    public void add(int[] ids) throws IOException {
        documents++;
        if (chunking == Chunking.CONCAT) {
            if (eot >= 0) concat(new int[] {eot}, 1);
            concat(ids, ids.length);
            if (block == null) out.endBlock(); // unblocked: shards may end between documents
        } else {
            // Pieces of at most seq tokens, end-of-text after the document's last token.
            int total = ids.length + 1;
            for (int start = 0; start < total; start += seq) {
                int len = Math.min(seq, total - start);
                int[] piece = new int[len];
                int copy = Math.min(len, ids.length - start);
                if (copy > 0) System.arraycopy(ids, start, piece, 0, copy);
                if (copy < len) piece[len - 1] = eot;
                pack(piece);
            }
        }
    }

    private void concat(int[] ids, int n) throws IOException {
        if (block == null) {
            out.write(ids, 0, n);
            return;
        }
        int i = 0;
        while (i < n) {
            int k = Math.min(n - i, seq - fill);
            System.arraycopy(ids, i, block, fill, k);
            fill += k;
            i += k;
            if (fill == seq) {
                out.write(block, 0, seq);
                out.endBlock();
                blocks++;
                fill = 0;
            }
        }
    }

    private void pack(int[] piece) throws IOException {
        for (int b = 0; b < bins.size(); b++) {
            int[] f = binFill.get(b);
            if (seq - f[0] >= piece.length) {
                System.arraycopy(piece, 0, bins.get(b), f[0], piece.length);
                f[0] += piece.length;
                if (f[0] == seq) flushBin(b);
                return;
            }
        }
        if (bins.size() == OPEN_BINS) {
            int fullest = 0;
            for (int b = 1; b < bins.size(); b++) if (binFill.get(b)[0] > binFill.get(fullest)[0]) fullest = b;
            flushBin(fullest);
        }
        int[] bin = new int[seq];
        System.arraycopy(piece, 0, bin, 0, piece.length);
        bins.add(bin);
        binFill.add(new int[] {piece.length});
        if (piece.length == seq) flushBin(bins.size() - 1);
    }

    private void flushBin(int b) throws IOException {
        int[] bin = bins.remove(b);
        int f = binFill.remove(b)[0];
        for (int i = f; i < seq; i++) bin[i] = eot;
        padding += seq - f;
        out.write(bin, 0, seq);
        out.endBlock();
        blocks++;
    }

    /** Writes what is pending: PACK's open bins (padded); CONCAT's partial block is dropped and counted. */
    public void finish() throws IOException {
        if (chunking == Chunking.PACK) while (!bins.isEmpty()) flushBin(0);
        dropped += fill;
        fill = 0;
    }

    public long documents() { return documents; }

    public long blocks() { return blocks; }

    public long paddingTokens() { return padding; }

    public long droppedTokens() { return dropped; }

    public ShardedTokenWriter output() { return out; }

    @Override
    public void close() throws IOException { out.close(); }
}
