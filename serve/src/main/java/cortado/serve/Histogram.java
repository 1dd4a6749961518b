package cortado.serve;

/** A Prometheus histogram: cumulative counts per upper bound, the sum and the count of observations. */
final class Histogram {
    private final double[] bounds;
    private final long[] counts;
    private double sum;
    private long count;

    Histogram(double... bounds) {
        this.bounds = bounds.clone();
        this.counts = new long[bounds.length];
    }

    synchronized void observe(double x) {
        for (int i = 0; i < bounds.length; i++) if (x <= bounds[i]) counts[i]++;
        sum += x;
        count++;
    }

    synchronized long count() { return count; }

    /** The {@code _bucket}, {@code _sum} and {@code _count} lines of {@code name} with {@code labels} ("k=\"v\""). */
    synchronized void write(StringBuilder out, String name, String labels) {
        for (int i = 0; i < bounds.length; i++)
            out.append(name).append("_bucket{").append(labels).append(",le=\"").append(bounds[i]).append("\"} ")
                    .append((double) counts[i]).append('\n');
        out.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ").append((double) count).append('\n');
        out.append(name).append("_sum{").append(labels).append("} ").append(sum).append('\n');
        out.append(name).append("_count{").append(labels).append("} ").append((double) count).append('\n');
    }
}
