package io.voucherlink;

/** VL_NETWORK: the provider was not reached, or a read timed out: nothing changed. */
public class NetworkException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public NetworkException(String document) {
        super(7, document);
    }
}
