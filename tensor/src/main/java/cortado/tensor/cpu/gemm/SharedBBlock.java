package cortado.tensor.cpu.gemm;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * One packed block of op(B) shared by the threads of a call, each NR-wide panel packed on first use by whichever
 * thread needs it first. Packing thus happens in parallel inside the multiply's own fork/join, instead of in a
 * separate fork/join with a barrier before the multiply (each barrier costs tens of microseconds, and much more when
 * a thread is descheduled on a busy machine).
 *
 * <p>A panel goes NEW -> PACKING -> READY. The packer's plain writes to the buffer are published by its volatile write
 * of READY; a reader that sees READY sees the packed floats (happens-before through the atomic array).
 */
final class SharedBBlock {
    private static final int NEW = 0, PACKING = 1, READY = 2, FAILED = 3;

    private final PanelSource b;
    private final float[] bp;
    private final int p0, kc, j0, nc;
    private final AtomicIntegerArray state;

    SharedBBlock(PanelSource b, int p0, int kc, int j0, int nc, int panels, float[] bp) {
        this.b = b;
        this.p0 = p0;
        this.kc = kc;
        this.j0 = j0;
        this.nc = nc;
        this.bp = bp;
        this.state = new AtomicIntegerArray(panels);
    }

    /** Returns once panel {@code q} is packed in the buffer, packing it here if no other thread has started it. */
    void ensure(int q) {
        int s = state.get(q);
        if (s == READY) return;
        if (s == NEW && state.compareAndSet(q, NEW, PACKING)) {
            boolean ok = false;
            try {
                b.pack(p0, kc, j0, nc, q, q + 1, bp);
                ok = true;
            } finally {
                state.set(q, ok ? READY : FAILED);
            }
            return;
        }
        // Another thread is packing it: a panel is a few microseconds of copying (or decoding), so wait by spinning, and yield the
        // CPU if that thread seems to have been descheduled.
        for (int spins = 0; (s = state.get(q)) != READY; spins++) {
            if (s == FAILED) throw new IllegalStateException("sgemm: packing B panel " + q + " failed on another thread");
            if (spins < 1000) Thread.onSpinWait();
            else Thread.yield();
        }
    }
}
