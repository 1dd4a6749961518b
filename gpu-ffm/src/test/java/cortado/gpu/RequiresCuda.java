package cortado.gpu;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/** A test class or method that needs a CUDA device: skipped, with the probe's one-line reason, where there is none. */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(RequiresCuda.Condition.class)
@interface RequiresCuda {
    final class Condition implements ExecutionCondition {
        private static CudaProbe probe;

        static synchronized CudaProbe probe() {
            if (probe == null) probe = CudaProbe.probe();
            return probe;
        }

        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            CudaProbe p = probe();
            return p.available() ? ConditionEvaluationResult.enabled("CUDA device " + p.device())
                    : ConditionEvaluationResult.disabled("no CUDA device: " + p.reason());
        }
    }
}
