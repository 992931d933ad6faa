package io.voucherlink;

/** VL_CONFIG: the client configuration is wrong (or the native library could not be loaded). */
public class ConfigException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public ConfigException(String document) {
        super(2, document);
    }
}
