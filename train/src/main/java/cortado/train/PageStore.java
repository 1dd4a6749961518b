package cortado.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Fixed-size pages of optimizer state in a fixed pool of off-heap frames, the pages that do not fit spilled to a
 * file (bitsandbytes' paged optimizers keep state in CUDA unified memory that the driver pages out to the host; here
 * the frames play the device and the file the host). With F frames and P pages, pages 0..F-2 keep a frame for good and
 * the others take turns in the last one: {@link #open} reads the page's stretch of the file into it, {@link #release}
 * writes it back. The file's pages live in the kernel's page cache, not in this process's resident set.
 *
 * <p>Positional reads and writes rather than a mapping: mapping each page's stretch, copying and unmapping measured
 * 5-6x slower (1.6 s against 0.28 s per step for 128 MB of state, 1 MB pages: page faults and unmap shootdowns),
 * and a mapping kept open would count every touched file page in the resident set, which the cap is about.
 */
final class PageStore implements AutoCloseable {
    private final long pageBytes, pages;
    private final int pinned;                // pages [0, pinned) own frames [0, pinned)
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] frames;
    private final Path file;                 // null when every page has a frame
    private final FileChannel channel;
    private long streamed = -1;               // the page in the last frame, while open
    private long pageIns, pageOuts;
    private boolean closed;

    /** {@code pages} pages of {@code pageBytes}, at most {@code maxFrames} frames, spill file in {@code dir}. */
    PageStore(long pageBytes, long pages, int maxFrames, Path dir) {
        if (pageBytes <= 0 || pages < 0 || maxFrames < 1)
            throw new IllegalArgumentException("page store needs positive sizes (page " + pageBytes + " bytes, "
                    + pages + " pages, " + maxFrames + " frames)");
        this.pageBytes = pageBytes;
        this.pages = pages;
        int frameCount = (int) Math.min(pages, maxFrames);
        this.pinned = pages <= maxFrames ? frameCount : frameCount - 1;
        this.frames = new MemorySegment[frameCount];
        for (int i = 0; i < frameCount; i++) frames[i] = arena.allocate(pageBytes, 64);
        if (pinned < pages) {
            try {
                Path d = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
                Files.createDirectories(d);
                file = Files.createTempFile(d, "cortado-optimizer-", ".pages");
                channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                        StandardOpenOption.DELETE_ON_CLOSE);
                channel.truncate(0);
                // Sized once (sparse: unwritten pages take no disk and read as zeros).
                channel.write(java.nio.ByteBuffer.wrap(new byte[1]), (pages - pinned) * pageBytes - 1);
            } catch (IOException e) {
                arena.close();
                throw new UncheckedIOException("cannot create the optimizer's spill file in " + dir + ": " + e.getMessage(), e);
            }
        } else {
            file = null;
            channel = null;
        }
    }

    long pageBytes() { return pageBytes; }

    long pages() { return pages; }

    /** Frames held in memory: the bytes this store keeps resident, whatever is open. */
    long residentBytes() { return (long) frames.length * pageBytes; }

    long totalBytes() { return pages * pageBytes; }

    /** Transfers from and to the spill file so far. */
    long pageIns() { return pageIns; }

    long pageOuts() { return pageOuts; }

    /** The frame holding {@code page}; a spilled page is brought in (only one may be open at a time). */
    MemorySegment open(long page) {
        if (closed) throw new IllegalStateException("optimizer page store is closed");
        if (page < 0 || page >= pages) throw new IndexOutOfBoundsException("page " + page + " of " + pages);
        if (page < pinned) return frames[(int) page];
        if (streamed >= 0) throw new IllegalStateException("page " + streamed + " is still open");
        MemorySegment frame = frames[frames.length - 1];
        transfer(page, frame, true);
        streamed = page;
        pageIns++;
        return frame;
    }

    /** Done with {@code page} for now: a spilled page goes back to the file. */
    void release(long page) {
        if (page < pinned) return;
        if (page != streamed) throw new IllegalStateException("page " + page + " is not open");
        transfer(page, frames[frames.length - 1], false);
        streamed = -1;
        pageOuts++;
    }

    private void transfer(long page, MemorySegment frame, boolean in) {
        long pos = (page - pinned) * pageBytes;
        java.nio.ByteBuffer buf = frame.asByteBuffer();
        try {
            while (buf.hasRemaining()) {
                int k = in ? channel.read(buf, pos + buf.position()) : channel.write(buf, pos + buf.position());
                if (k < 0) { while (buf.hasRemaining()) buf.put((byte) 0); }   // past the end: never written
            }
        } catch (IOException e) {
            throw new UncheckedIOException("optimizer spill file " + file + ": cannot " + (in ? "read" : "write")
                    + " page " + page + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            if (channel != null) channel.close();   // DELETE_ON_CLOSE removes the file
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            arena.close();
        }
    }
}
