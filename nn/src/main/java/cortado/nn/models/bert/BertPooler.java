package cortado.nn.models.bert;

import cortado.autograd.F;
import cortado.nn.Layer;
import cortado.nn.Linear;
import cortado.nn.Module;
import cortado.tensor.Tensor;

/** HF's {@code BertPooler}: tanh(dense(h of the first token)), one vector per row. */
public final class BertPooler extends Module implements Layer {
    public BertPooler(BertConfig c) { child("dense", new Linear(c.hiddenSize(), c.hiddenSize(), true)); }

    /** hidden {@code [B, T, C]} -> {@code [B, C]}. */
    @Override
    public Tensor forward(Tensor hidden) {
        Tensor first = F.reshape(F.slice(hidden, 1, 0, 1), hidden.size(0), hidden.size(2));
        Layer dense = childAt("dense");
        return F.tanh(dense.forward(first));
    }
}
