package cortado.nn.generate;

/** Divides the scores by the temperature, as transformers' {@code TemperatureLogitsWarper} (float32 division). */
public record Temperature(float temperature) implements LogitsProcessor {
    public Temperature {
        if (!(temperature > 0) || Float.isInfinite(temperature))
            throw new IllegalArgumentException("temperature must be > 0 to scale by, got " + temperature);
    }

    @Override
    public void process(float[] scores, int[] ids, int promptLength, int length) {
        for (int i = 0; i < scores.length; i++) scores[i] = scores[i] / temperature;
    }
}
