package cortado.train;

import cortado.nn.io.CheckpointException;
import cortado.nn.io.Safetensors;
import cortado.nn.io.SafetensorsDtype;
import cortado.nn.io.SafetensorsFile;
import cortado.quant.RawSafetensorsWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The optimizer's file in a checkpoint ({@code optimizer.safetensors}): its tensors by name (PyTorch's
 * {@code exp_avg.NAME}/{@code exp_avg_sq.NAME} for fp32 moments, bitsandbytes' {@code state1.NAME}, {@code absmax1.NAME}
 * ... for 8-bit ones) and metadata {@code optimizer} (the {@link OptimizerKind} name) and {@code step}. A file without
 * {@code optimizer} was written by AdamW before there were others.
 */
public final class OptimizerStateFile implements AutoCloseable {
    private final SafetensorsFile file;
    private final int step;

    private OptimizerStateFile(SafetensorsFile file, int step) {
        this.file = file;
        this.step = step;
    }

    /** Writes {@code w}'s tensors with the kind and step as metadata, atomically. */
    public static void write(Path path, RawSafetensorsWriter w, String kind, int step) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("optimizer", kind);
        meta.put("step", Integer.toString(step));
        w.write(path, meta);
    }

    /** Opens a state file written by an optimizer of {@code kind}; another kind is an error naming both. */
    public static OptimizerStateFile open(Path path, String kind) {
        SafetensorsFile f = Safetensors.read(path);
        try {
            Map<String, String> meta = f.metadata() == null ? Map.of() : f.metadata();
            String saved = meta.getOrDefault("optimizer", "adamw");
            if (!saved.equals(kind))
                throw new CheckpointException(path + ": optimizer state of " + saved + ", but this run uses " + kind);
            int step;
            try {
                step = Integer.parseInt(meta.getOrDefault("step", ""));
            } catch (NumberFormatException e) {
                throw new CheckpointException(path + ": metadata field step is missing or not an integer");
            }
            if (step < 0) throw new CheckpointException(path + ": negative optimizer step " + step);
            return new OptimizerStateFile(f, step);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    public int step() { return step; }

    java.util.Set<String> names() { return file.names(); }

    public boolean contains(String name) { return file.contains(name); }

    /** The bytes of tensor {@code name}, checked to have {@code dtype} and {@code numel} elements. */
    MemorySegment bytes(String name, SafetensorsDtype dtype, long numel) {
        if (!file.contains(name)) throw new CheckpointException(file.path() + ": tensor " + name + " is missing");
        if (file.dtype(name) != dtype)
            throw new CheckpointException(file.path() + ": tensor " + name + " is " + file.dtype(name) + ", expected " + dtype);
        long n = 1;
        for (int d : file.shape(name)) n *= d;
        if (n != numel)
            throw new CheckpointException(file.path() + ": tensor " + name + " has shape "
                    + Arrays.toString(file.shape(name)) + " (" + n + " elements), its parameter needs " + numel);
        return file.bytes(name);
    }

    /** Tensor {@code name} as float32, which must have exactly {@code shape}. */
    public float[] floats(String name, int[] shape) {
        if (file.contains(name) && !Arrays.equals(file.shape(name), shape))
            throw new CheckpointException(file.path() + ": tensor " + name + " has shape "
                    + Arrays.toString(file.shape(name)) + ", its parameter has " + Arrays.toString(shape));
        long n = 1;
        for (int d : shape) n *= d;
        MemorySegment b = bytes(name, SafetensorsDtype.F32, n);
        return b.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
    }

    /** The first tensor name not in {@code known}, or null: a state file for other parameters is refused. */
    public String unexpected(java.util.Set<String> known) {
        for (String n : file.names()) if (!known.contains(n)) return n;
        return null;
    }

    public Path path() { return file.path(); }

    @Override public void close() { file.close(); }
}
