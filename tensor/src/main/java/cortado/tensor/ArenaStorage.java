package cortado.tensor;

/**
 * A storage whose buffer a {@link StepArena} can own and give back to a pool: the heap {@link CpuStorage} and the
 * off-heap {@link OffHeapStorage} share the arena's bookkeeping through this class.
 */
abstract sealed class ArenaStorage implements Storage permits CpuStorage, OffHeapStorage {
    StepArena arena; // the arena that made this storage, or null for ordinary memory

    /** Whether the buffer went back to its pool (touching the storage then fails). */
    abstract boolean isReleased();

    /** Hands the buffer back to its pool (once); only arena storages are released. Returns whether it did. */
    abstract boolean release();
}
