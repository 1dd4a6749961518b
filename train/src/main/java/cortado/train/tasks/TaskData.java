package cortado.train.tasks;

import cortado.nn.models.TaskLabels;
import cortado.train.Batches;
import java.util.List;

/**
 * A task's examples encoded for an encoder: one {@link Batches.EncoderRow} per example, with the targets its
 * {@link TaskObjective} reads: {@code classify} and {@code choice} the label in slot 0, {@code tokens} a label per
 * position (-100 where not scored), {@code qa} the answer's start and end token in slots 0 and 1.
 *
 * @param labels  the label names ({@code classify}, {@code tokens}); null for qa and choice
 * @param seq     tokens per row: the longest example ({@code choice}: {@code choices} x the longest choice row)
 * @param choices choices per example ({@code choice}), else 1
 */
public record TaskData(TaskHead head, List<Batches.EncoderRow> rows, TaskLabels labels, int seq, int choices,
                       String source) {
    public TaskData {
        rows = List.copyOf(rows);
        if (rows.isEmpty()) throw new cortado.train.TokenDataException(source + ": holds no examples");
    }

    public int size() { return rows.size(); }

    /** Tokens per encoder row: {@code seq}, or one choice's share of it. */
    public int rowLength() { return seq / choices; }
}
