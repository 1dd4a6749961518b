package cortado.data.spark;

import cortado.data.clean.LshIndex;
import cortado.data.clean.MinHashConfig;
import cortado.data.clean.MinHashFingerprinter;
import cortado.data.clean.NearDuplicateComponents;
import cortado.data.clean.NearDuplicateDetector;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MinHash near dedup by LSH banding, as {@link NearDuplicateComponents} decides it in one process: every document's
 * band keys, a group-by on (band, key), within each bucket (members by id) the pairs of
 * {@link NearDuplicateComponents#BUCKET_PAIR_LIMIT its rule}, verified there, distinct pairs counted once; the verified
 * edges' connected components on the driver (edges join only near duplicates, so they are few), each keeping its
 * lowest id.
 */
final class NearDuplicateEdges {
    /** A bucket member: its id and what verification compares. */
    record Member(long id, int[] signature, long[] shingleSet) implements Serializable {}

    /** The near duplicates, and the distinct candidate pairs verified (the report's near_dup_candidate_pairs). */
    record Result(Set<Long> removed, long candidatePairs) {}

    static Result find(JavaRDD<DocRow> kept, MinHashConfig c) {
        JavaPairRDD<Long, Member> buckets = kept.mapPartitionsToPair(rows -> new Iterator<Tuple2<Long, Member>>() {
            final MinHashFingerprinter f = new MinHashFingerprinter(c);
            Member m; // the document whose band keys are being emitted
            int[] sig;
            int band = c.bands();

            @Override
            public boolean hasNext() {
                while (band == c.bands()) {
                    if (!rows.hasNext()) return false;
                    DocRow r = rows.next();
                    NearDuplicateDetector.Fingerprint fp = f.fingerprint(r.text);
                    if (fp.shingleCount() == 0) continue; // no words: never a candidate
                    sig = fp.signature();
                    m = new Member(r.id, c.verification() == MinHashConfig.Verification.EXACT ? null : sig, fp.shingleSet());
                    band = 0;
                }
                return true;
            }

            @Override
            public Tuple2<Long, Member> next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                int b = band++;
                return new Tuple2<>(((long) b << 32) | (LshIndex.bandKey(sig, b, c.rows()) & 0xFFFFFFFFL), m);
            }
        });
        JavaPairRDD<Tuple2<Long, Long>, Boolean> pairs = buckets.groupByKey()
                .flatMapToPair(bucket -> pairs(bucket._2(), c))
                .reduceByKey((x, y) -> x) // a pair sharing several buckets counts once
                .cache();
        long candidates = pairs.count();
        List<Tuple2<Long, Long>> edges = pairs.filter(Tuple2::_2).keys().collect();
        pairs.unpersist();
        return new Result(components(edges), candidates);
    }

    /** The bucket's candidate pairs (lower id first), each with its verification. */
    static Iterator<Tuple2<Tuple2<Long, Long>, Boolean>> pairs(Iterable<Member> bucket, MinHashConfig c) {
        List<Member> m = new ArrayList<>();
        bucket.forEach(m::add);
        m.sort(Comparator.comparingLong(Member::id));
        List<Tuple2<Tuple2<Long, Long>, Boolean>> out = new ArrayList<>();
        for (int i = 0; i < Math.min(m.size() - 1, NearDuplicateComponents.BUCKET_PAIR_LIMIT); i++)
            for (int j = i + 1; j < m.size(); j++) {
                Member a = m.get(i), b = m.get(j);
                boolean similar = NearDuplicateComponents.similar(c, a.signature(), a.shingleSet(), b.signature(), b.shingleSet());
                out.add(new Tuple2<>(new Tuple2<>(a.id(), b.id()), similar));
            }
        return out.iterator();
    }

    /** Union-find over the edges, every root its component's lowest id; the ids that are not roots. */
    static Set<Long> components(List<Tuple2<Long, Long>> edges) {
        Map<Long, Long> parent = new HashMap<>();
        for (Tuple2<Long, Long> e : edges) {
            long ra = find(parent, e._1()), rb = find(parent, e._2());
            if (ra < rb) parent.put(rb, ra);
            else if (rb < ra) parent.put(ra, rb);
        }
        Set<Long> removed = new HashSet<>();
        for (Long id : parent.keySet()) if (find(parent, id) != id) removed.add(id);
        return removed;
    }

    private static long find(Map<Long, Long> parent, long x) {
        while (true) {
            Long p = parent.get(x);
            if (p == null || p == x) return x;
            Long gp = parent.get(p);
            if (gp != null) parent.put(x, gp);
            x = p;
        }
    }
}
