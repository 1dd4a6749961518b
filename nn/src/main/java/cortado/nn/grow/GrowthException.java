package cortado.nn.grow;

/** A parent and child that cannot be grown one from the other as asked; the message names the field and why. */
public final class GrowthException extends IllegalArgumentException {
    public GrowthException(String message) { super(message); }
}
