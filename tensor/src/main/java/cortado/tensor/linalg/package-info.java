/**
 * Dense linear algebra on host matrices in double precision, for the one-off factorizations that initialize adapters
 * (PiSSA's and LoftQ's SVD, OLoRA's QR) and combine them: {@link cortado.tensor.linalg.HouseholderQr} (LAPACK's
 * {@code geqrf}/{@code orgqr} sign convention, as {@code torch.linalg.qr}) and {@link cortado.tensor.linalg.Svd}
 * (one-sided Jacobi after a QR preconditioning, as {@code torch.linalg.svd(full_matrices=False)} up to the signs of
 * the singular vectors), and {@link cortado.tensor.linalg.BatchedInverse} (Gauss-Jordan inverses of a batch of small
 * matrices, behind autograd's {@code F.inverse}). Matrices are row-major {@code double[]}; these are not autograd ops.
 */
package cortado.tensor.linalg;
