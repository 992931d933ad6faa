package io.voucherlink;

/** VL_PROVIDER: the provider failed or answered something unusable. */
public class ProviderException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public ProviderException(String document) {
        super(9, document);
    }
}
