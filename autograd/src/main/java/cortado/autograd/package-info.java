/**
 * Reverse-mode automatic differentiation, define-by-run (as PyTorch's autograd and micrograd).
 *
 * <p>How to read it: {@link cortado.autograd.F} lists the differentiable operations. Each lives in its own file (for
 * example {@code Linear}, {@code LayerNormOp}, {@code Attention}, {@code CrossEntropy}) with its forward pass, the
 * tensors it saves, and its backward pass side by side; all arithmetic goes through the tensor's
 * {@link cortado.tensor.Backend}, so the same graph runs on any device. {@link cortado.autograd.Autograd} walks the
 * recorded graph backwards; {@link cortado.autograd.NoGrad} turns recording off; {@link cortado.autograd.GradCheck}
 * tests every op against finite differences.
 *
 * <p>Recording: an op's result gets a {@link cortado.tensor.GradFn} (its inputs and saved tensors) when grad mode is on
 * and an input requires grad. The "tape" is this graph of results pointing at their producers, not a global list, so a
 * graph that is never backpropagated is simply garbage-collected.
 *
 * <p>What each op saves, chosen so backward needs no recomputation of the forward pass and no more memory than it must:
 * LayerNorm the per-row mean and rstd, RMSNorm the rstd, attention its output and row log-sum-exp (never the [T, S]
 * probabilities), cross-entropy the row log-sum-exp, exp/tanh/sigmoid/softmax their outputs, views nothing beyond their input.
 */
package cortado.autograd;
