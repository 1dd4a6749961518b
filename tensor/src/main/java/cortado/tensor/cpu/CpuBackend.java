package cortado.tensor.cpu;

import cortado.tensor.Backend;
import cortado.tensor.Tensor;

/** Scaffold: replaced by the Vector API implementation. */
public final class CpuBackend implements Backend {
    @Override public String name() { return "cpu"; }
    @Override public Tensor copy(Tensor x) { throw new UnsupportedOperationException("scaffold"); }
    @Override public void copyInto(Tensor dst, Tensor src) { throw new UnsupportedOperationException("scaffold"); }
    @Override public void fillInPlace(Tensor x, float value) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor add(Tensor a, Tensor b) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor sub(Tensor a, Tensor b) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor mul(Tensor a, Tensor b) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor div(Tensor a, Tensor b) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor scale(Tensor a, float s) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor addScalar(Tensor a, float s) { throw new UnsupportedOperationException("scaffold"); }
    @Override public void axpyInPlace(Tensor dst, float alpha, Tensor src) { throw new UnsupportedOperationException("scaffold"); }
    @Override public void scaleInPlace(Tensor x, float s) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor exp(Tensor a) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor log(Tensor a) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor tanh(Tensor a) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor sigmoid(Tensor a) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor sum(Tensor a, int dim, boolean keepDim) { throw new UnsupportedOperationException("scaffold"); }
    @Override public double sumAll(Tensor a) { throw new UnsupportedOperationException("scaffold"); }
    @Override public double sumOfSquares(Tensor a) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor max(Tensor a, int dim, boolean keepDim) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor sumToShape(Tensor a, int[] shape) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor gelu(Tensor x) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor geluBackward(Tensor dy, Tensor x) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor silu(Tensor x) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor siluBackward(Tensor dy, Tensor x) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor softmax(Tensor x) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor softmaxBackward(Tensor dy, Tensor y) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor logSoftmax(Tensor x) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor logSoftmaxBackward(Tensor dy, Tensor y) { throw new UnsupportedOperationException("scaffold"); }
    @Override public NormResult layerNorm(Tensor x, Tensor weight, Tensor bias, float eps) { throw new UnsupportedOperationException("scaffold"); }
    @Override public NormGrads layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd) { throw new UnsupportedOperationException("scaffold"); }
    @Override public NormResult rmsNorm(Tensor x, Tensor weight, float eps) { throw new UnsupportedOperationException("scaffold"); }
    @Override public NormGrads rmsNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor rstd) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor embedding(Tensor weight, int[] ids) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor embeddingBackward(Tensor dy, int[] ids, int vocabSize) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor rope(Tensor x, int startPos, float theta, boolean inverse) { throw new UnsupportedOperationException("scaffold"); }
    @Override public AttentionResult attention(Tensor q, Tensor k, Tensor v, boolean causal, float scale) { throw new UnsupportedOperationException("scaffold"); }
    @Override public AttentionGrads attentionBackward(Tensor dout, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse, boolean causal, float scale) { throw new UnsupportedOperationException("scaffold"); }
    @Override public CrossEntropyResult crossEntropy(Tensor logits, int[] targets, int ignoreIndex) { throw new UnsupportedOperationException("scaffold"); }
    @Override public Tensor crossEntropyBackward(Tensor logits, int[] targets, Tensor lse, int ignoreIndex, float gradScale, int counted) { throw new UnsupportedOperationException("scaffold"); }
    @Override public void adamwInPlace(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps, float weightDecay, int step) { throw new UnsupportedOperationException("scaffold"); }
}
