/**
 * HRA, PEFT's {@code HRA} as of peft 0.21 (Yuan et al. 2024, "Bridging The Gap between Low-rank and Orthogonal
 * Adaptation via Householder Reflection Adaptation"): each target's weight times a chain of r Householder reflections
 * of its input space; saved as peft saves it ({@code base_model.model.<module>.hra_u}).
 */
package cortado.peft.hra;
