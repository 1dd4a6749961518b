package cortado.peft.adalora;

/**
 * AdaLoRA's budget schedule, peft's {@code RankAllocator.budget_schedule} (Zhang et al. 2023, eq. 12): the total rank
 * {@code b(t)} kept at step t. The full budget {@code b0 = Σ init ranks} for the first {@code tinit} steps; then a cubic
 * decrease {@code b(t) = ⌊(b0 - bT)(1 - (t - tinit)/(T - tfinal - tinit))³ + bT⌋}, masking every {@code deltaT} steps;
 * after {@code T - tfinal} the target {@code bT = target_r · #targets}, masked every step.
 *
 * @param initBudget   b0
 * @param targetBudget bT
 */
public record BudgetSchedule(int initBudget, int targetBudget, int tinit, int tfinal, int totalStep, int deltaT) {

    /** The budget at one step and whether the allocation masks at it. */
    public record Budget(int budget, boolean mask) {}

    public Budget at(int step) {
        if (step <= tinit) return new Budget(initBudget, false);
        if (step > totalStep - tfinal) return new Budget(targetBudget, true);
        double mulCoeff = 1 - (double) (step - tinit) / (totalStep - tfinal - tinit);
        // Python's int() truncates toward zero; the value is positive here
        int budget = (int) ((initBudget - targetBudget) * Math.pow(mulCoeff, 3) + targetBudget);
        return new Budget(budget, step % deltaT == 0);
    }
}
