/**
 * Pieces of FOURIERFT, PEFT's {@code FourierFTModel} as of peft 0.21 (Gao et al. 2024): so far only the spectral
 * positions, {@code torch.randperm} over a seeded CPU generator ({@link cortado.peft.fourierft.TorchRandperm}). The
 * tuner itself (config, layer, inverse 2-D DFT) is not written yet.
 */
package cortado.peft.fourierft;
