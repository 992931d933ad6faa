package io.voucherlink;

/** VL_UNSUPPORTED: the provider has no such operation; nothing was sent. */
public class UnsupportedException extends VoucherLinkException {
    private static final long serialVersionUID = 1L;

    /**
     * An exception for a failed call's result document.
     *
     * @param document the whole result document (JSON)
     */
    public UnsupportedException(String document) {
        super(3, document);
    }
}
