package cortado.nn.models;

/** A model config that Cortado cannot use; the message names config.json and the field ("config.json: n_head ..."). */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) { super(message); }
}
