/**
 * FOURIERFT, PEFT's {@code FourierFTModel} as of peft 0.21 (Gao et al. 2024): the config
 * ({@link cortado.peft.fourierft.FourierFTConfig}), the layer over Linear and Conv1D
 * ({@link cortado.peft.fourierft.FourierFTLayer}: ΔW = Re(ifft2(spectrum)) * scaling, the inverse DFT being the
 * autograd op {@code F.sparseIfft2Real}), the tuner ({@link cortado.peft.fourierft.FourierFTTuner}) and the spectral
 * positions, {@code torch.randperm} over a seeded CPU generator ({@link cortado.peft.fourierft.TorchRandperm}).
 */
package cortado.peft.fourierft;
