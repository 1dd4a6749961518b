package cortado.tests.backend;

import cortado.tensor.Backend;
import cortado.tensor.Backends;
import cortado.tensor.CpuStorage;
import cortado.tensor.QuantizedWeight;
import cortado.tensor.RopeTable;
import cortado.tensor.StepArena;
import cortado.tensor.Storage;
import cortado.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A second {@link Backend} for tests, standing in for a device: its tensors live in a storage class of its own that the
 * CPU backend does not accept and whose {@code Tensor.data()} fails, so any code above the tensor module that still
 * reads raw CPU memory, creates CPU tensors where it should use its inputs' backend, or mixes backends, breaks on it.
 *
 * <p>Like a device, host transfers always copy: {@code readHost} lends a fresh copy, {@code writeHost} lends a buffer
 * filled with NaN (a writer that relies on earlier contents shows), {@code fromArray} copies. Every computing operation
 * runs the CPU backend's kernel on CPU views of the same memory, so results must equal the CPU backend's bit for bit.
 * It is a dynamic proxy, so it implements every {@code Backend} method, including ones added later, without changes.
 */
public final class MirrorBackend {
    /** The backend: its {@code name()} is "mirror". */
    public static final Backend INSTANCE = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
            new Class<?>[] {Backend.class}, new Handler());

    private static final Backend CPU = Backends.cpu();

    private MirrorBackend() {}

    /** The memory of a mirror tensor, with a CPU storage over the same array for running the kernels. */
    private static final class MirrorStorage implements Storage {
        final CpuStorage cpuView;

        MirrorStorage(float[] data) { this.cpuView = new CpuStorage(data); }

        @Override public MemorySegment segment() { return cpuView.segment(); }

        @Override public long length() { return cpuView.length(); }

        @Override public Backend backend() { return INSTANCE; }
    }

    /** A quantized weight held by the mirror backend (the CPU one inside, used only by the mirror). */
    private record MirrorWeight(QuantizedWeight cpu) implements QuantizedWeight {
        @Override public int rows() { return cpu.rows(); }

        @Override public int cols() { return cpu.cols(); }

        @Override public Backend backend() { return INSTANCE; }
    }

    private static final class Handler implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "name": return "mirror";
                case "toString": return "mirror backend";
                case "hashCode": return System.identityHashCode(proxy);
                case "equals": return proxy == args[0];
                case "zeros": return zeros((int[]) args[0]);
                case "fromArray": {
                    float[] data = (float[]) args[0];
                    Tensor t = zeros((int[]) args[1]);
                    if (data.length != t.numel())
                        throw new IllegalArgumentException("shape " + Arrays.toString((int[]) args[1]) + " needs "
                                + t.numel() + " elements, got " + data.length);
                    System.arraycopy(data, 0, storage(t).cpuView.array(), 0, data.length);
                    return t;
                }
                case "readHost": {
                    float[] copy = CPU.toArray(cpuView("readHost", (Tensor) args[0]));
                    ((Backend.HostFloats) args[1]).use(copy, 0, copy.length);
                    return null;
                }
                case "writeHost": {
                    Tensor dst = (Tensor) args[0];
                    float[] buf = new float[dst.numel()];
                    Arrays.fill(buf, Float.NaN);
                    ((Backend.HostFloats) args[1]).use(buf, 0, buf.length);
                    CPU.copyInto(cpuView("writeHost", dst), CPU.fromArray(buf, dst.shape()));
                    return null;
                }
                default: break;
            }
            if (m.isDefault()) return InvocationHandler.invokeDefault(proxy, m, args);
            // A computing operation: the CPU kernel over CPU views of the same memory.
            Object[] cpuArgs = args == null ? null : args.clone();
            List<Tensor> inputs = new ArrayList<>();
            if (cpuArgs != null)
                for (int i = 0; i < cpuArgs.length; i++) {
                    if (cpuArgs[i] instanceof Tensor t) {
                        inputs.add(t);
                        cpuArgs[i] = cpuView(m.getName(), t);
                    } else if (cpuArgs[i] instanceof RopeTable table && table.cos().backend() == INSTANCE) {
                        // a rope table made on this backend (models build theirs in host memory)
                        cpuArgs[i] = new RopeTable(cpuView(m.getName(), table.cos()), cpuView(m.getName(), table.sin()));
                    } else if (cpuArgs[i] instanceof QuantizedWeight w) {
                        if (!(w instanceof MirrorWeight mw))
                            throw new IllegalArgumentException(m.getName() + ": the quantized weight lives on "
                                    + w.backend().name() + ", the operation runs on mirror");
                        cpuArgs[i] = mw.cpu();
                    }
                }
            // Outside any arena, as a device owns its memory: a result the CPU backend took from a step's pool, wrapped
            // here, would go back to the pool under the mirror tensor when the arena closed.
            Object[] r = new Object[1];
            Throwable[] failed = new Throwable[1];
            StepArena.outside(() -> {
                try {
                    r[0] = m.invoke(CPU, cpuArgs);
                } catch (InvocationTargetException e) {
                    failed[0] = e.getCause();
                } catch (ReflectiveOperationException e) {
                    failed[0] = e;
                }
                return null;
            });
            if (failed[0] != null) throw failed[0];
            return fromCpu(r[0], inputs);
        }
    }

    private static Tensor zeros(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return new Tensor(new MirrorStorage(new float[Math.toIntExact(n)]), shape, Tensor.contiguousStrides(shape), 0);
    }

    private static MirrorStorage storage(Tensor t) { return (MirrorStorage) t.storage(); }

    /** A CPU tensor over the memory of mirror tensor {@code t}; a tensor of any other backend is an error naming both. */
    private static Tensor cpuView(String op, Tensor t) {
        if (t == null) return null;
        Backends.requireOn(INSTANCE, op, t);
        return new Tensor(storage(t).cpuView, t.shape(), t.strides(), t.offset());
    }

    /** A CPU result back as mirror tensors (also inside result records); memory shared with an input keeps its storage. */
    private static Object fromCpu(Object r, List<Tensor> inputs) throws ReflectiveOperationException {
        if (r instanceof Tensor t) {
            Storage s = null;
            for (Tensor in : inputs) if (storage(in).cpuView == t.storage()) s = in.storage();
            if (s == null) s = new MirrorStorage(t.data());
            return new Tensor(s, t.shape(), t.strides(), t.offset());
        }
        if (r instanceof QuantizedWeight w) return new MirrorWeight(w);
        if (r instanceof Record rec) {
            RecordComponent[] cs = rec.getClass().getRecordComponents();
            Object[] values = new Object[cs.length];
            Class<?>[] types = new Class<?>[cs.length];
            for (int i = 0; i < cs.length; i++) {
                values[i] = fromCpu(cs[i].getAccessor().invoke(rec), inputs);
                types[i] = cs[i].getType();
            }
            return rec.getClass().getDeclaredConstructor(types).newInstance(values);
        }
        return r;
    }
}
