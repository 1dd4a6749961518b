/**
 * VeRA, PEFT's {@code VERA}: shared frozen random projections drawn from torch's generator ({@link
 * cortado.peft.vera.TorchGenerator}, so save_projection=false adapters rebuild peft's exact matrices) and two trained
 * vectors per layer; saved as peft saves it ({@code base_model.vera_A}, {@code ...<module>.vera_lambda_b}).
 */
package cortado.peft.vera;
